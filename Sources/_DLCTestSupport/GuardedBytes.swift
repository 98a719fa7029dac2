/// Bytes that end exactly where readable memory ends, so a reader that looks one byte
/// past its input faults at once instead of reading a neighbour's bytes unnoticed.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls `body` with a copy of `bytes` placed at the end of a readable page whose next
/// page is unmapped for reading (`PROT_NONE`); any read past the end is a crash.
public func withBytesBeforeGuardPage<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
  let page = Int(sysconf(Int32(_SC_PAGESIZE)))
  let dataPages = (bytes.count + page - 1) / page + 1
  let total = (dataPages + 1) * page
  guard let base = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), base != MAP_FAILED else {
    fatalError("mmap of \(total) bytes failed")
  }
  defer { munmap(base, total) }
  let guardPage = base + dataPages * page
  precondition(mprotect(guardPage, page, PROT_NONE) == 0, "mprotect failed")
  let start = (guardPage - bytes.count).assumingMemoryBound(to: UInt8.self)
  bytes.withUnsafeBufferPointer { start.update(from: $0.baseAddress!, count: $0.count) }
  return try body(UnsafePointer(start), bytes.count)
}
