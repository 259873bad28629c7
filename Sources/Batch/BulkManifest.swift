import JSONKit

/// The Bulk Data `$export` completion manifest (`manifest.json`): a JSON object with
/// `transactionTime` and `output`, not a FHIR resource. Recognized and skipped, not quarantined.
enum BulkManifest {
    static func isManifest(_ bytes: [UInt8]) -> Bool {
        guard bytes.count < 16 << 20, let v = try? JSONValue.parse(bytes), let o = v.objectValue else { return false }
        return o["resourceType"] == nil && o["transactionTime"] != nil && o["output"]?.isArray == true
    }
}
