/// The id of a derived fact. Ids are fixed by DESIGN.md; `catalog` is their display order.
public struct FactID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }
    public static func < (a: FactID, b: FactID) -> Bool { a.rawValue < b.rawValue }

    public static let prostateCancer = FactID("prostate-cancer")
    public static let metastatic = FactID("metastatic")
    public static let boneMetastases = FactID("bone-metastases")
    public static let visceralMetastases = FactID("visceral-metastases")
    public static let distantNodalMetastases = FactID("distant-nodal-metastases")
    public static let boneOnlyMetastases = FactID("bone-only-metastases")
    public static let symptomaticBoneMetastases = FactID("symptomatic-bone-metastases")
    public static let castrateTestosterone = FactID("castrate-testosterone")
    public static let castrationResistant = FactID("castration-resistant")
    public static let mcrpc = FactID("mcrpc")
    public static let priorARPI = FactID("prior-arpi")
    public static let progressedOnEnzalutamide = FactID("progressed-on-enzalutamide")
    public static let onEnzalutamide = FactID("on-enzalutamide")
    public static let enzalutamideLine = FactID("enzalutamide-line")
    public static let priorDocetaxel = FactID("prior-docetaxel")
    public static let priorCabazitaxel = FactID("prior-cabazitaxel")
    public static let priorRadium223 = FactID("prior-radium-223")
    public static let priorLu177PSMA = FactID("prior-lu177-psma")
    public static let priorPARPInhibitor = FactID("prior-parp-inhibitor")
    public static let onAbiraterone = FactID("on-abiraterone")
    public static let somaticTestingDone = FactID("somatic-testing-done")
    public static let brcaAlteration = FactID("brca-alteration")
    public static let psmaPositive = FactID("psma-positive")
    public static let pelvicRadiationPlanned = FactID("pelvic-radiation-planned")
    public static let localRecurrence = FactID("local-recurrence")
    public static let priorDefinitiveRadiotherapy = FactID("prior-definitive-radiotherapy")

    /// Every fact, in the order of DESIGN.md's catalogue.
    public static let catalog: [FactID] = [
        .prostateCancer, .metastatic, .boneMetastases, .visceralMetastases, .distantNodalMetastases,
        .boneOnlyMetastases, .symptomaticBoneMetastases, .castrateTestosterone, .castrationResistant, .mcrpc,
        .priorARPI, .progressedOnEnzalutamide, .onEnzalutamide, .enzalutamideLine, .priorDocetaxel, .priorCabazitaxel,
        .priorRadium223, .priorLu177PSMA, .priorPARPInhibitor, .onAbiraterone, .somaticTestingDone, .brcaAlteration,
        .psmaPositive, .pelvicRadiationPlanned, .localRecurrence, .priorDefinitiveRadiotherapy,
    ]
}
