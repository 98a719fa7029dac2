/// The entry point of data loading: a `DataConfig` in, a checked `Dataset` out.
import DLCBasics

/// Loads the data a module describes.
public enum DataLoader {
  /// Loads the samples of `config`. Relative paths are resolved against `directory`
  /// (the working folder when nil, which is how the IR writes them). `sampleShape` is
  /// the model's per-sample input shape; NPY features are checked against it and take it.
  public static func load(_ config: DataConfig, relativeTo directory: String? = nil, sampleShape: [Int]? = nil) throws(DataError) -> Dataset {
    func resolve(_ p: String) -> String {
      guard let directory, !p.hasPrefix("/") else { return p }
      return FileReader.resolve(p, relativeTo: directory + "/")
    }
    switch config.source {
    case .csv(let path, let target, let features):
      var d = try CSVLoader.load(path: resolve(path), target: target, features: features, task: config.task, classes: config.classes)
      if let sampleShape, sampleShape.reduce(1, *) == d.featureCount { d.sampleShape = sampleShape }
      return d
    case .npy(let x, let y):
      return try NPYLoader.load(x: resolve(x), y: y.map(resolve), task: config.task, classes: config.classes, sampleShape: sampleShape)
    }
  }
}
