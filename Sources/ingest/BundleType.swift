import ArgumentParser
import IngestKit

/// `--bundle <type>`: the FHIR Bundle types CarePlans can be written as (pipe and batch).
enum BundleType: String, CaseIterable, ExpressibleByArgument {
    case transaction

    var shape: Pipeline.OutputShape {
        switch self {
        case .transaction: .transaction
        }
    }
}
