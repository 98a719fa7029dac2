/// Times dlc's CSV loader alone: `DataLoader.load` on one file, several times.
///
///     csv-load-bench FILE TARGET [RUNS]
///
/// Prints one line: the file's bytes, the rows loaded, the median wall time of a load
/// (reading the file and parsing every cell into Float32), the MB/s (10^6 bytes per
/// second) at that median, and the same two for the process's CPU time (user and
/// system): on a shared machine the CPU time is the steadier figure. Built by
/// bench/csv/csv_bench.sh in release mode.
import DLCTraining
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 3, let runs = arguments.count > 3 ? Int(arguments[3]) : 5, runs > 0 else {
  FileHandle.standardError.write(Data("usage: csv-load-bench FILE TARGET [RUNS]\n".utf8))
  exit(2)
}
let path = arguments[1]
let config = DataConfig(source: .csv(path: path, target: [arguments[2]], features: nil), task: .regression, features: 0,
                        split: SplitFractions(valid: 0, test: 0, stratify: false), normalize: .none)
/// Seconds on `clock`.
func now(_ clock: clockid_t) -> Double {
  var t = timespec()
  clock_gettime(clock, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

var times: [Double] = []
var cpuTimes: [Double] = []
var rows = 0
do {
  for _ in 0..<runs {
    let (start, cpuStart) = (now(CLOCK_MONOTONIC), now(CLOCK_PROCESS_CPUTIME_ID))
    let data = try DataLoader.load(config)
    times.append(now(CLOCK_MONOTONIC) - start)
    cpuTimes.append(now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart)
    rows = data.count
  }
} catch {
  FileHandle.standardError.write(Data("csv-load-bench: \(error)\n".utf8))
  exit(1)
}
let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
let median = times.sorted()[times.count / 2]
let cpu = cpuTimes.sorted()[cpuTimes.count / 2]
print(String(format: "%d %d %.3f %.0f %.3f %.0f", bytes, rows, median, Double(bytes) / median / 1e6, cpu, Double(bytes) / cpu / 1e6))
