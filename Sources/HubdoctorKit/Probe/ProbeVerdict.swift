/// What one exchange means on its own; `ProbeClassifier` folds the verdicts of one check into
/// its finding.
struct ProbeVerdict {
    var status: Status
    var cause: Cause?
    var sentence: String
    var remediation: [RemediationStep] = []
    var facts: [String: String] = [:]

    static func pass(_ sentence: String) -> ProbeVerdict { ProbeVerdict(status: .pass, cause: nil, sentence: sentence) }
    static func skip(_ sentence: String) -> ProbeVerdict { ProbeVerdict(status: .skip, cause: nil, sentence: sentence) }
    static func warn(_ cause: Cause, _ sentence: String) -> ProbeVerdict { ProbeVerdict(status: .warn, cause: cause, sentence: sentence) }
    static func fail(_ cause: Cause, _ sentence: String) -> ProbeVerdict { ProbeVerdict(status: .fail, cause: cause, sentence: sentence) }
}
