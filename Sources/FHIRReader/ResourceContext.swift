import ClinicalModel

/// Where a resource sits: the file, its entry's fullUrl, and its location for messages.
struct ResourceContext {
    var file: String
    var format: SourceRef.Format
    var fullUrl: String?
    /// JSON path of the resource (`$.entry[3].resource`), or `$` for a bare resource.
    var path: String
    /// Line of an NDJSON record; nil inside a JSON document until a warning needs it.
    var line: Int?
    /// Byte offset of the resource's `{`, to compute a line for warnings.
    var offset: Int


    func source(type: String, id: String?) -> SourceRef {
        // Only what R4 allows is kept to be written into a CarePlan; otherwise the place
        // (file, JSON path) is what names the entry.
        let reference: String?
        if let fullUrl, FHIRSyntax.isAbsoluteURI(fullUrl) {
            reference = fullUrl
        } else if let id, FHIRSyntax.isID(id) {
            reference = type + "/" + id
        } else {
            reference = nil
        }
        return SourceRef(file: file, format: format, reference: reference, line: line,
                         path: reference == nil ? path : nil, resourceType: type)
    }
}
