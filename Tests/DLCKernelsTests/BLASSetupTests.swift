import Foundation
import Testing

@testable import DLCKernels

@Suite struct BLASSetupTests {
  /// The choice is a function of the flags alone, so both CPU kinds dlc runs on are tested
  /// on every machine: an AVX-512 server (Intel or AMD) and an AVX2-only AMD EPYC.
  @Test func bothCPUKindsAreDecidedByTheirFlags() {
    let avx512 = BLASSetup.cpuFlags(cpuinfo: "processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni\n")
    let avx2Only = BLASSetup.cpuFlags(cpuinfo: "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse4_2 avx f16c fma avx2 bmi2 sha_ni\n")
    #expect(avx512.contains("avx512_vnni") && avx2Only.contains("sha_ni"))
    #expect(BLASSetup.preferredCoreType(flags: avx512) == "SkylakeX")
    #expect(BLASSetup.preferredCoreType(flags: avx2Only) == "Haswell")
    // An AVX-512 machine whose OpenBLAS chose its own fast family is left alone; an AVX2-only
    // one whose OpenBLAS fell back to generic kernels re-executes with Haswell's.
    #expect(BLASSetup.reexecDecision(coreName: "Cooperlake", environment: [:], preferred: BLASSetup.preferredCoreType(flags: avx512)) == nil)
    #expect(BLASSetup.reexecDecision(coreName: "Prescott", environment: [:], preferred: BLASSetup.preferredCoreType(flags: avx2Only)) == "Haswell")
  }

  /// Whatever CPU runs the tests, the process's own choice is the pure function of its flags.
  @Test func thisMachineIsDecidedByTheSameFunction() {
    let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
    #expect(BLASSetup.preferredCoreType() == text.flatMap { BLASSetup.preferredCoreType(cpuinfo: $0) })
  }

  @Test func coreTypeFollowsCPUFlags() {
    let avx512 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f avx512dq avx512bw avx512vl\n"
    let avx2 = "flags\t\t: fpu sse2 avx avx2 fma\n"
    let old = "flags\t\t: fpu sse2 sse3\n"
    #expect(BLASSetup.preferredCoreType(cpuinfo: avx512) == "SkylakeX")
    #expect(BLASSetup.preferredCoreType(cpuinfo: "flags : avx2 fma avx512f\n") == "Haswell")
    #expect(BLASSetup.preferredCoreType(cpuinfo: avx2) == "Haswell")
    #expect(BLASSetup.preferredCoreType(cpuinfo: old) == nil)
    #expect(BLASSetup.preferredCoreType(cpuinfo: "") == nil)
  }

  @Test func reexecsOnlyFromASlowCoreWithNothingSet() {
    #expect(BLASSetup.reexecDecision(coreName: "Prescott", environment: [:], preferred: "SkylakeX") == "SkylakeX")
    #expect(BLASSetup.reexecDecision(coreName: "Nehalem", environment: ["HOME": "/"], preferred: "Haswell") == "Haswell")
    // Already fast, or already chosen by the user.
    #expect(BLASSetup.reexecDecision(coreName: "SkylakeX", environment: [:], preferred: "SkylakeX") == nil)
    #expect(BLASSetup.reexecDecision(coreName: "Haswell", environment: [:], preferred: "SkylakeX") == nil)
    #expect(BLASSetup.reexecDecision(coreName: "Prescott", environment: ["OPENBLAS_CORETYPE": "Core2"], preferred: "SkylakeX") == nil)
    // The guard: a re-executed process never re-executes again, whatever OpenBLAS chose.
    #expect(BLASSetup.reexecDecision(coreName: "Prescott", environment: ["DLC_OPENBLAS_REEXEC": "1"], preferred: "SkylakeX") == nil)
    // No fast kernels for this CPU.
    #expect(BLASSetup.reexecDecision(coreName: "Prescott", environment: [:], preferred: nil) == nil)
  }
}
