// swift-tools-version:6.1
//
// Fuzzers for ClinicalIngest (libFuzzer + AddressSanitizer). A package of their own, so that the
// root package's `swift build` / `swift test` never build them nor need fuzzer flags.
//
// Run them with `make fuzz` from the repository root (FUZZ_SECONDS=10 for a short run); it builds
// this package into .build-fuzz with AddressSanitizer and libFuzzer's coverage instrumentation
// for every module, and seeds each target from Fixtures/ and ../shared/corpus. See README.md here.
import PackageDescription

let package = Package(
    name: "ClinicalIngestFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so that the references below do not depend on the name of the clone's folder.
        .package(name: "ClinicalIngest", path: ".."),
    ],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, declared for Swift.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", .product(name: "IngestKit", package: "ClinicalIngest")]),
        // FHIR R4 JSON / NDJSON through FHIRReader, and JSONKit's parser and writer.
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", .product(name: "IngestKit", package: "ClinicalIngest")]),
        // C-CDA XML through CDAReader (libxml2).
        .executableTarget(name: "FuzzCDA", dependencies: ["FuzzSupport", .product(name: "IngestKit", package: "ClinicalIngest")]),
        // Any bytes → RecordCollector → assemble → Pipeline.carePlans → NDJSON.
        .executableTarget(name: "FuzzPipeline", dependencies: ["FuzzSupport", .product(name: "IngestKit", package: "ClinicalIngest")]),
    ]
)

// libFuzzer itself is linked by tools/fuzz.sh: `-Xlinker libclang_rt.fuzzer_no_main-<arch>.a` for
// every link (only the fuzz targets call into it), and AddressSanitizer with libFuzzer's coverage
// instrumentation (`-sanitize=address -sanitize-coverage=…`) for every module. Not
// `-sanitize=fuzzer`: that links libFuzzer's own `main`, and SwiftPM links every executable with
// `main` aliased to `<Module>_main`, so which `main` runs would be up to the linker. Here each
// target's `main` hands control to libFuzzer (FuzzSupport.runLibFuzzer); `make fuzz` checks that
// inputs did run.
