// swift-tools-version:6.1
//
// ClinicalIngest: clinical records in, guideline CarePlans out.
//
// Dependencies run one way (see ../shared/DESIGN.md):
//   ClinicalModel ← FHIRReader, CDAReader ← Mapping ← Guideline ← IngestKit (I/O) ← ingest (CLI)
// The model, mapping and guideline modules do no I/O and never read the clock.
import PackageDescription

let package = Package(
    name: "ClinicalIngest",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingest", targets: ["ingest"]),
        .library(name: "IngestKit", targets: ["IngestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Pure value types: the normalized patient record. No Foundation.
        .target(name: "ClinicalModel"),
        // A byte-level JSON reader (with fast skipping) and a deterministic writer. No Foundation.
        .target(name: "JSONKit"),
        // FHIR R4 JSON (Bundle, resource, NDJSON) → ClinicalModel.
        .target(name: "FHIRReader", dependencies: ["ClinicalModel", "JSONKit"]),
        // libxml2, through pkg-config (Debian: libxml2-dev).
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // C-CDA XML (streaming, hardened libxml2 reader) → ClinicalModel.
        .target(name: "CDAReader", dependencies: ["ClinicalModel", "CLibXML2"]),
        // Mappings/ data (code systems, value sets, fact parameters) and fact derivation.
        .target(name: "Mapping", dependencies: ["ClinicalModel", "JSONKit"]),
        // Guideline rules → recommendations → CarePlan JSON and explain text.
        .target(name: "Guideline", dependencies: ["ClinicalModel", "JSONKit", "Mapping"]),
        // The default Mappings/ folder, compiled into the binary by the EmbedMappings plugin.
        .target(name: "DefaultMappings", plugins: ["EmbedMappings"]),
        .executableTarget(name: "MappingsEmbedder"),
        .plugin(name: "EmbedMappings", capability: .buildTool(), dependencies: ["MappingsEmbedder"]),
        // Everything that touches files and streams: input discovery, format sniffing, the pipeline.
        .target(
            name: "IngestKit",
            dependencies: ["ClinicalModel", "JSONKit", "FHIRReader", "CDAReader", "Mapping", "Guideline", "DefaultMappings"]
        ),
        // zlib, through pkg-config (Debian: zlib1g-dev), for .gz inputs.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The nightly batch: discovery, SQLite staging and ledger, parallel evaluation, reports.
        .target(
            name: "Batch",
            dependencies: ["IngestKit", "ClinicalModel", "Guideline", "Mapping", "JSONKit", "CZlib",
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "ingest",
            dependencies: ["IngestKit", "Batch", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Helpers shared by the test targets: fixture paths, the CarePlan sink, running the binary.
        .target(name: "TestSupport", dependencies: ["Mapping", "DefaultMappings", "ClinicalModel"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONKitTests", dependencies: ["JSONKit"]),
        .testTarget(name: "ClinicalModelTests", dependencies: ["ClinicalModel"]),
        .testTarget(name: "FHIRReaderTests", dependencies: ["TestSupport", "FHIRReader", "ClinicalModel", "JSONKit", "Mapping", "DefaultMappings", "IngestKit"]),
        .testTarget(name: "CDAReaderTests", dependencies: ["TestSupport", "CDAReader", "ClinicalModel", "Mapping", "DefaultMappings", "IngestKit", "Guideline", "JSONKit"]),
        .testTarget(name: "MappingTests", dependencies: ["TestSupport", "Mapping", "ClinicalModel", "IngestKit"]),
        .testTarget(name: "GuidelineTests", dependencies: ["TestSupport", "Guideline", "Mapping", "ClinicalModel", "IngestKit"]),
        .testTarget(name: "BatchTests", dependencies: ["TestSupport", "Batch", "IngestKit", "ClinicalModel"]),
        .testTarget(name: "IngestTests", dependencies: ["TestSupport", "IngestKit", "Batch", "ClinicalModel"]),
    ]
)

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
