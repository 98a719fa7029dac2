import Testing

@testable import DLCKernels

@Suite struct BLASSetupTests {
  @Test func thisMachinePrefersSkylakeX() {
    #expect(BLASSetup.preferredCoreType() == "SkylakeX")
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
