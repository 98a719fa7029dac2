/// Loads a CSV file into a `Dataset`.
///
/// In: the path, the target column names, optionally the feature column names, the task.
/// Out: features in the order of the feature list (default: every non-target column in
/// header order) and targets. Every cell must be a finite decimal number; class labels
/// must be integers in `0..<classes`. The first problem is reported at its line and field.
import DLCBasics

/// CSV to `Dataset`, parsing bytes in place.
enum CSVLoader {
  /// What a column of the file is used for.
  private enum Role: Equatable {
    case feature(Int)
    case target(Int)
    case unused

    var isTarget: Bool { if case .target = self { true } else { false } }
  }

  /// Loads `path`.
  static func load(path: String, target: [String], features: [String]?, task: DataTask, classes: Int?) throws(DataError) -> Dataset {
    let bytes = try DataFile.read(path)
    do {
      return try bytes.withUnsafeBufferPointer { (b) throws(DataError) -> Dataset in
        try parse(b, path: path, target: target, features: features, task: task, classes: classes)
      }
    }
  }

  /// The steps: header, column roles, rows, dataset.
  private static func parse(
    _ b: UnsafeBufferPointer<UInt8>, path: String, target: [String], features: [String]?, task: DataTask, classes: Int?
  ) throws(DataError) -> Dataset {
    var scanner = CSVScanner(b)
    var fields: [CSVField] = []
    guard try scan(&scanner, &fields, path) != nil else { throw .emptyFile(path) }
    let names = fields.map { scanner.text($0) }
    let roles = try columnRoles(names, target: target, features: features, task: task, path: path)
    let featureCount = roles.count { if case .feature = $0 { true } else { false } }
    let targetCount = task == .reconstruction ? 0 : target.count

    let slots = roles.map { role -> Int32 in
      switch role {
      case .feature(let k): return Int32(k)
      case .target(let k): return Int32(-1 - k)
      case .unused: return Int32.min
      }
    }
    let layout = CSVRowLayout(slots: slots, featureCount: featureCount, targetCount: targetCount,
                              classLimit: task == .classification ? Float(classes ?? Int(Int32.max)) : nil)
    var x: [Float] = []
    var y: [Float] = []
    let estimate = max(1, b.count / max(1, names.count * 2))
    x.reserveCapacity(estimate * featureCount)
    y.reserveCapacity(estimate * targetCount)
    var row = [Float](repeating: 0, count: featureCount + targetCount)
    var count = 0
    try row.withUnsafeMutableBufferPointer { (out) throws(DataError) in
      while true {
        // Plain rows take the fast path; anything else (and every error) the general one.
        let (end, rows) = CSVFastRows.read(b, from: scanner.position, layout: layout, x: &x, y: &y)
        scanner.skipRows(to: end, count: rows)
        count += rows
        guard let line = try scan(&scanner, &fields, path) else { break }
        try slowRow(fields, line: line, scanner: scanner, names: names, roles: roles, task: task, classes: classes, path: path, out: out)
        x.append(contentsOf: UnsafeBufferPointer(start: out.baseAddress!, count: featureCount))
        y.append(contentsOf: UnsafeBufferPointer(start: out.baseAddress! + featureCount, count: targetCount))
        count += 1
      }
    }
    guard count > 0 else { throw .noRows(path) }
    let ys: Targets
    switch task {
    case .classification: ys = .classes(y.map { Int32($0) })
    case .regression: ys = .values(y, width: targetCount)
    case .reconstruction: ys = .reconstruction
    }
    return Dataset(x: x, y: ys, count: count, sampleShape: [featureCount])
  }

  /// Reads one row with the general scanner's fields into `out` (features, then
  /// targets), reporting the first bad field at its place.
  private static func slowRow(
    _ fields: [CSVField], line: Int, scanner: CSVScanner, names: [String], roles: [Role], task: DataTask, classes: Int?,
    path: String, out: UnsafeMutableBufferPointer<Float>
  ) throws(DataError) {
    guard fields.count == names.count else {
      throw .raggedRow(path, line: line, column: min(fields.count, names.count) + 1, fields: fields.count, columns: names.count)
    }
    let featureCount = out.count - roles.count(where: \.isTarget)
    for (c, f) in fields.enumerated() {
      let role = roles[c]
      if role == .unused { continue }
      let isLabel = task == .classification && role.isTarget
      let value: Float
      switch NumberParsing.parse(scanner.bytes.baseAddress!, f.start, f.end) {
      case .value(let v): value = v
      case .empty: throw .emptyCell(path, line: line, column: c + 1, place(c, names))
      case .nonFinite: throw .nonFinite(path, line: line, column: c + 1, place(c, names), scanner.text(f))
      case .invalid:
        if isLabel { throw .classLabel(path, line: line, column: c + 1, place(c, names), scanner.text(f), classes: classes) }
        throw .notANumber(path, line: line, column: c + 1, place(c, names), scanner.text(f))
      }
      switch role {
      case .feature(let k): out[k] = value
      case .target(let k):
        if isLabel, !isClassIndex(value, classes: classes) {
          throw .classLabel(path, line: line, column: c + 1, place(c, names), scanner.text(f), classes: classes)
        }
        out[featureCount + k] = value
      case .unused: break
      }
    }
  }

  /// Whether `v` is an integer in `0..<classes` (`≥ 0` when the count is unknown).
  @inline(__always)
  private static func isClassIndex(_ v: Float, classes: Int?) -> Bool {
    v >= 0 && v == v.rounded(.towardZero) && v < Float(classes ?? Int(Int32.max))
  }

  /// The next record, with scanner syntax errors turned into `DataError`s.
  private static func scan(_ s: inout CSVScanner, _ fields: inout [CSVField], _ path: String) throws(DataError) -> Int? {
    do { return try s.next(into: &fields) } catch { throw .csvSyntax(path, line: error.line, column: error.field, error.message) }
  }

  /// Which column feeds which feature or target slot.
  private static func columnRoles(
    _ names: [String], target: [String], features: [String]?, task: DataTask, path: String
  ) throws(DataError) -> [Role] {
    var roles = [Role](repeating: .unused, count: names.count)
    var columnOf: [String: Int] = [:]
    for (i, name) in names.enumerated() {
      if let first = columnOf[name] { throw .duplicateColumn(path, name, first: first + 1, second: i + 1) }
      columnOf[name] = i
    }
    func index(_ name: String, _ role: String?) throws(DataError) -> Int {
      guard let i = columnOf[name] else { throw .columnNotFound(path, name, role: role, names) }
      return i
    }
    if task == .classification, target.count != 1 { throw .targetColumns(path, target.count) }
    var targetColumns = Set<Int>()
    for (k, name) in target.enumerated() {
      let i = try index(name, nil)
      targetColumns.insert(i)
      if task != .reconstruction { roles[i] = .target(k) }
    }
    if let features {
      for (k, name) in features.enumerated() { roles[try index(name, "the model's feature \(k + 1) of \(features.count)")] = .feature(k) }
    } else {
      var k = 0
      for i in names.indices where !targetColumns.contains(i) {
        roles[i] = .feature(k)
        k += 1
      }
    }
    return roles
  }

  /// `column 3 ('p2')`.
  private static func place(_ column: Int, _ names: [String]) -> String { "column \(column + 1) ('\(excerpt(names[column]))')" }
}

/// Whole data files into memory.
enum DataFile {
  /// The largest data file read (4 GiB).
  static let limit = 1 << 32

  /// The bytes of `path`, or `data.fileUnreadable`.
  static func read(_ path: String) throws(DataError) -> [UInt8] {
    switch FileReader.read(path, limit: limit) {
    case .success(let b): return b
    case .failure(let e): throw .fileUnreadable(path, e.reason)
    }
  }
}
