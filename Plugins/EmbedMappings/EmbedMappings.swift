import Foundation
import PackagePlugin

/// Compiles the package's top-level `Mappings/` folder into the target as Swift source, so the
/// binary carries its defaults and `ingest` runs with no data files installed.
///
/// SwiftPM's own `.embedInCode` resources are not used: they need the files inside the
/// target and compile a 100 KB file as an array literal in ~40 s; raw string literals take
/// well under a second.
@main
struct EmbedMappings: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "Mappings")
        var files: [URL] = []
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where url.pathExtension == "json" { files.append(url) }
        }
        files.sort { $0.path() < $1.path() }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMappings.swift")
        return [
            .buildCommand(
                displayName: "Embedding Mappings/ (\(files.count) files)",
                executable: try context.tool(named: "MappingsEmbedder").url,
                arguments: [output.path(), root.path()] + files.map { $0.path() },
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
