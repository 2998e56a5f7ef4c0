/// The version `slod --version` prints and `slod_build_info` exports.
public enum SlodVersion {
    public static let version = "0.1.0"
}
