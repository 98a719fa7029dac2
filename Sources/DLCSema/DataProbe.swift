/// What the checker learns from data files without loading them: the feature count,
/// the target columns and the number of classes.
///
/// A CSV is read to its header line; its label column is read only for a classification
/// task without `classes:`. An NPY file is read to its header (and the label array in the
/// same case). Problems inside a data file are reported at their line and column there.
import DLCSyntax
import DLCSpec

/// Facts about the data that shape and loss checks need.
struct DataFacts {
  var features: Int
  /// Per-sample feature shape as stored (NPY keeps it; a CSV is flat).
  var featureShape: [Int]
  var targets: Int
  var classes: Int?
  var rows: Int?
  /// The feature columns of a CSV source, in feature order.
  var featureNames: [String]? = nil
}

/// Reads just enough of the data files.
struct DataProbe {
  let diags: DiagnosticEngine
  let specPath: String
  static let maxDataBytes = 1 << 31

  func probe(_ data: DataSpec, needLabels: Bool) -> DataFacts? {
    guard let source = data.source else { return nil }
    switch source {
    case .csv(let path, let target): return csv(path, target: target, features: data.features, needLabels: needLabels)
    case .npy(let x, let y): return npy(x: x, y: y, needLabels: needLabels)
    }
  }

  private func resolved(_ p: Located<String>) -> String { FileReader.resolve(p.value, relativeTo: specPath) }

  private func read(_ p: Located<String>, prefixOnly: Bool) -> [UInt8]? {
    switch FileReader.read(resolved(p), limit: prefixOnly ? 1 << 20 : Self.maxDataBytes, prefixOnly: prefixOnly) {
    case .success(let b): return b
    case .failure(let e):
      return diags.fail(Diagnostic(.dataFileUnreadable(resolved(p), e.reason), at: p.range)
        .help("paths are relative to the spec's folder"))
    }
  }

  // MARK: CSV

  private func csv(_ path: Located<String>, target: [Located<String>], features: [Located<String>]?, needLabels: Bool) -> DataFacts? {
    guard var bytes = read(path, prefixOnly: !needLabels) else { return nil }
    // A header longer than the prefix read is read whole, never cut.
    if !needLabels, !Self.headerEnds(in: bytes), (FileReader.size(of: resolved(path)) ?? 0) > bytes.count {
      guard let whole = read(path, prefixOnly: false) else { return nil }
      bytes = whole
    }
    let file = SourceFile(path: resolved(path), bytes: bytes)
    guard let header = Self.header(bytes) else {
      return diags.fail(Diagnostic(.dataFormat("the CSV file is empty"), at: path.range)
        .help("a CSV data file starts with a header row naming its columns"))
    }
    let names: [String]
    let dataStart: Int
    switch header {
    case .failure(let e):
      return diags.fail(Diagnostic(.dataFormat("the header of '\(file.path)' is not valid CSV: \(e.message)"), at: path.range))
    case .success(let h): (names, dataStart) = h
    }
    if let (first, second) = Self.firstDuplicate(names) {
      return diags.fail(Diagnostic(.dataFormat(
        "the header of '\(file.path)' names column \(first + 1) and column \(second + 1) both '\(names[first])'"), at: path.range)
        .help("give every column of the CSV file its own name"))
    }
    var ok = true
    func column(_ c: Located<String>) -> Int? {
      if let i = names.firstIndex(of: c.value) { return i }
      ok = false
      var d = Diagnostic(.dataColumnNotFound(c.value), at: c.range)
      d = d.note("the header of '\(file.path)' has \(names.count) columns: " + preview(names))
      return diags.fail(d.help(Suggest.didYouMean(c.value, in: names)))
    }
    let targetColumns = target.compactMap(column)
    let featureColumns = features.map { $0.compactMap(column) }
    guard ok else { return nil }
    // Without `features:`, the features are every other column in header order; the IR
    // names them, so that prediction inputs are matched by name, not by position.
    let featureNames = featureColumns.map { $0.map { names[$0] } }
      ?? names.indices.filter { !targetColumns.contains($0) }.map { names[$0] }
    var facts = DataFacts(features: featureNames.count, featureShape: [featureNames.count], targets: target.count,
                          classes: nil, rows: nil, featureNames: featureNames)
    guard needLabels, let label = targetColumns.first else { return facts }
    guard let (classes, rows) = labelColumn(bytes, file: file, column: label, name: names[label], from: dataStart) else { return nil }
    facts.classes = classes
    facts.rows = rows
    return facts
  }

  /// Whether the first record of `bytes` ends inside them (with a line break).
  private static func headerEnds(in bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { b in
      var scanner = CSVScanner(b)
      var fields: [CSVField] = []
      guard (try? scanner.next(into: &fields)) != nil else { return false }
      return scanner.position < b.count || b.last == 0x0A || b.last == 0x0D
    }
  }

  /// The header's column names and the byte after it, nil for an empty file.
  private static func header(_ bytes: [UInt8]) -> Result<([String], Int), CSVSyntaxError>? {
    bytes.withUnsafeBufferPointer { b -> Result<([String], Int), CSVSyntaxError>? in
      var scanner = CSVScanner(b)
      var fields: [CSVField] = []
      do throws(CSVSyntaxError) {
        guard try scanner.next(into: &fields) != nil else { return nil }
      } catch {
        return .failure(error)
      }
      return .success((fields.map { scanner.text($0) }, scanner.position))
    }
  }

  /// The first name that appears twice, as the indices of its two first columns.
  static func firstDuplicate(_ names: [String]) -> (Int, Int)? {
    var seen: [String: Int] = [:]
    for (i, n) in names.enumerated() {
      if let first = seen[n] { return (first, i) }
      seen[n] = i
    }
    return nil
  }

  /// Scans one column: every value must be an integer ≥ 0. Returns (max + 1, rows).
  private func labelColumn(_ bytes: [UInt8], file: SourceFile, column: Int, name: String, from start: Int) -> (Int, Int)? {
    bytes.withUnsafeBufferPointer { b -> (Int, Int)? in
      var scanner = CSVScanner(b)
      scanner.skipRows(to: start, count: 1)
      var fields: [CSVField] = []
      var maxLabel = -1
      var rows = 0
      while true {
        let record: Int?
        do throws(CSVSyntaxError) {
          record = try scanner.next(into: &fields)
        } catch {
          let at = min(scanner.position, max(b.count - 1, 0))
          return diags.fail(Diagnostic(.dataFormat("field \(error.field) is not valid CSV: \(error.message)"),
                                       at: file.range(fromByte: at, toByte: at + 1)))
        }
        guard record != nil else { break }
        rows += 1
        guard column < fields.count else {
          let r = file.range(fromByte: fields[0].start, toByte: max(fields[fields.count - 1].end, fields[0].start + 1))
          return diags.fail(Diagnostic(.dataFormat("row has \(fields.count) fields; the label column '\(name)' is field \(column + 1)"), at: r))
        }
        let f = fields[column]
        let text = scanner.text(f).trimmingSpaces
        let value = Int(text) ?? Double(text).flatMap { $0 == $0.rounded() && abs($0) < 1e9 ? Int($0) : nil }
        guard let v = value, v >= 0 else {
          let r = file.range(fromByte: f.start, toByte: max(f.end, f.start + 1))
          return diags.fail(Diagnostic(.dataFormat("label '\(text)' is not a class index"), at: r)
            .help("classification labels are integers 0, 1, …, classes − 1"))
        }
        maxLabel = max(maxLabel, v)
      }
      return (maxLabel + 1, rows)
    }
  }

  // MARK: NPY

  private func npy(x: Located<String>, y: Located<String>?, needLabels: Bool) -> DataFacts? {
    guard let xb = read(x, prefixOnly: true), let xh = header(xb, at: x) else { return nil }
    let shape = Array(xh.shape.dropFirst())
    // The product fits: the header reader checked that the data bytes do.
    let features = shape.reduce(1, *)
    var facts = DataFacts(features: features, featureShape: shape, targets: 0, classes: nil, rows: xh.shape.first)
    guard let y else { return facts }
    guard let yb = read(y, prefixOnly: !needLabels), let yh = header(yb, at: y) else { return nil }
    facts.targets = yh.shape.count > 1 ? yh.shape.dropFirst().reduce(1, *) : 1
    if yh.shape.first != xh.shape.first {
      diags.emit(Diagnostic(.dataFormat("'y' has \(yh.shape.first ?? 0) rows but 'x' has \(xh.shape.first ?? 0)"), at: y.range))
      return nil
    }
    guard needLabels else { return facts }
    guard let labels = Self.integers(yb, yh) else {
      return diags.fail(Diagnostic(.dataFormat("'y' holds values that are not class indices (integers ≥ 0)"), at: y.range))
    }
    facts.classes = (labels.max() ?? -1) + 1
    return facts
  }

  /// The header of the NPY file at `p`, read by the loader's own reader (`NPYHeader`).
  private func header(_ bytes: [UInt8], at p: Located<String>) -> NPYHeader? {
    let size = FileReader.size(of: resolved(p)) ?? bytes.count
    switch NPYHeader.parse(bytes, fileSize: size) {
    case .success(let h): return h
    case .failure(let e):
      return diags.fail(Diagnostic(.dataFormat("'\(p.value)' is not a usable NPY file: \(e.message)"), at: p.range))
    }
  }

  /// All values as integers, or nil if any is not a non-negative integer below 10⁹.
  static func integers(_ b: [UInt8], _ h: NPYHeader) -> [Int]? {
    guard h.dataOffset + h.dataBytes <= b.count else { return nil }
    return b.withUnsafeBytes { raw -> [Int]? in
      var out: [Int] = []
      out.reserveCapacity(h.count)
      for i in 0..<h.count {
        let v = h.dtype.double(in: raw, at: h.dataOffset + i * h.dtype.size)
        guard v >= 0, v == v.rounded(), v < 1e9 else { return nil }
        out.append(Int(v))
      }
      return out
    }
  }

  private func preview(_ names: [String]) -> String {
    let shown = names.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > 8 ? shown + ", …" : shown
  }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " || s.first == "\t" { s = s.dropFirst() }
    while s.last == " " || s.last == "\t" { s = s.dropLast() }
    return String(s)
  }
}
