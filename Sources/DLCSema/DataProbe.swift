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
    guard let bytes = read(path, prefixOnly: !needLabels) else { return nil }
    let file = SourceFile(path: resolved(path), bytes: bytes)
    guard let headerEnd = bytes.firstIndex(of: 0x0A) ?? (bytes.isEmpty ? nil : bytes.count) else {
      return diags.fail(Diagnostic(.dataFormat("the CSV file is empty"), at: path.range)
        .help("a CSV data file starts with a header row naming its columns"))
    }
    let header = CSVLine.split(bytes, 0, headerEnd)
    let names = header.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
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
    let count = featureColumns?.count ?? names.count - targetColumns.count
    var facts = DataFacts(features: count, featureShape: [count], targets: target.count, classes: nil, rows: nil)
    guard needLabels, let label = targetColumns.first else { return facts }
    guard let (classes, rows) = labelColumn(bytes, file: file, column: label, name: names[label], from: headerEnd + 1) else { return nil }
    facts.classes = classes
    facts.rows = rows
    return facts
  }

  /// Scans one column: every value must be an integer ≥ 0. Returns (max + 1, rows).
  private func labelColumn(_ bytes: [UInt8], file: SourceFile, column: Int, name: String, from start: Int) -> (Int, Int)? {
    var maxLabel = -1
    var rows = 0
    var lineStart = start
    while lineStart < bytes.count {
      let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
      defer { lineStart = lineEnd + 1 }
      let fields = CSVLine.split(bytes, lineStart, lineEnd)
      if fields.count == 1, fields[0].start == fields[0].end { continue }  // blank line
      rows += 1
      guard column < fields.count else {
        let r = file.range(fromByte: lineStart, toByte: lineEnd)
        return diags.fail(Diagnostic(.dataFormat("row has \(fields.count) fields; the label column '\(name)' is field \(column + 1)"), at: r))
      }
      let f = fields[column]
      let text = String(decoding: bytes[f.start..<f.end], as: UTF8.self).trimmingSpaces
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

  // MARK: NPY

  private func npy(x: Located<String>, y: Located<String>?, needLabels: Bool) -> DataFacts? {
    guard let xb = read(x, prefixOnly: true), let xh = header(xb, at: x) else { return nil }
    let shape = Array(xh.shape.dropFirst())
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
    guard let labels = NPYHeader.integers(yb, yh) else {
      return diags.fail(Diagnostic(.dataFormat("'y' holds values that are not class indices (integers ≥ 0)"), at: y.range))
    }
    facts.classes = (labels.max() ?? -1) + 1
    return facts
  }

  private func header(_ bytes: [UInt8], at p: Located<String>) -> NPYHeader? {
    switch NPYHeader.parse(bytes) {
    case .success(let h): return h
    case .failure(let e): return diags.fail(Diagnostic(.dataFormat("'\(p.value)' is not a usable NPY file: \(e.reason)"), at: p.range))
    }
  }

  private func preview(_ names: [String]) -> String {
    let shown = names.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > 8 ? shown + ", …" : shown
  }
}

/// Field boundaries of one CSV line (RFC 4180 quotes; a trailing CR is dropped).
enum CSVLine {
  static func split(_ b: [UInt8], _ start: Int, _ end: Int) -> [(start: Int, end: Int)] {
    var end = end
    if end > start, b[end - 1] == 0x0D { end -= 1 }
    var fields: [(Int, Int)] = []
    var i = start
    var fieldStart = start
    var quoted = false
    while i < end {
      let c = b[i]
      if c == 0x22 { quoted.toggle() } else if c == 0x2C, !quoted {
        fields.append(trimQuotes(b, fieldStart, i))
        fieldStart = i + 1
      }
      i += 1
    }
    fields.append(trimQuotes(b, fieldStart, end))
    return fields
  }

  private static func trimQuotes(_ b: [UInt8], _ s: Int, _ e: Int) -> (Int, Int) {
    if e - s >= 2, b[s] == 0x22, b[e - 1] == 0x22 { return (s + 1, e - 1) }
    return (s, e)
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
