/// The library's version, as `recraft_version()` reports it.
public enum RecraftKit {
    public static let versionMajor = 0
    public static let versionMinor = 1
    public static let versionPatch = 0
    public static let version = "\(versionMajor).\(versionMinor).\(versionPatch)"
}
