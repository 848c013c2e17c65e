/// The library's version, as `recraft_version()` reports it. (Not named `RecraftKit`: a
/// type named like the module would stop users writing `RecraftKit.Operation`.)
public enum RecraftKitVersion {
    public static let versionMajor = 0
    public static let versionMinor = 4
    public static let versionPatch = 0
    public static let version = "\(versionMajor).\(versionMinor).\(versionPatch)"
}
