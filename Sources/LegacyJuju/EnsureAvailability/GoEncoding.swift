import HACore

/// The names ensure-availability's tests give the shared Go encoders. Its ids only ever appear
/// inside flow sequences, so its yaml scalars are flow scalars.
enum GoYAML {
    static func scalar(_ text: String) -> String { yamlScalar(text, inFlow: true) }
}

enum GoJSON {
    static func string(_ text: String) -> String { jsonString(text) }
}
