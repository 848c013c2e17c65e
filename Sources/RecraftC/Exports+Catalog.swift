import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// The library's catalog as JSON, so that bindings take names from it instead of
/// restating them: {"operations": [{"name", "aliases", "command", "output_suffix",
/// "presets"}], "presets": [{"name", "dialect", "api_key_variable", "base_url",
/// "operations": {"<operation>": {"options": {"<key>": ["<value>", ...]}, "limits":
/// {"types", "max_bytes", "max_pixels", "min_side", "max_side"}}}}], "status_codes":
/// [{"code", "name", "constant", "description"}], "result_extensions": [...]}.
/// Operations, presets and status codes are listed in their order (status codes from
/// RECRAFT_OK up). Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL json_out.
/// On success *json_out is the caller's; free with recraft_string_free.
@c public func recraft_catalog_json(_ json_out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let out = try output(json_out, "json_out")
        out.pointee = strdup(Capabilities.json.serialized())
    }
}

/// The stem of the file a result of operation on image (a path or an http(s) URL) is
/// saved as, the way the recraft command names it: "photos/cat.png" and "crisp_upscale"
/// give "cat.crisp-upscale". Add the extension with recraft_job_file_name. Does not take
/// ownership of image or operation. Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL
/// argument, invalid UTF-8 or an unknown operation.
/// On success *stem_out is the caller's; free with recraft_string_free.
@c public func recraft_output_stem(
    _ image: UnsafePointer<CChar>?, _ operation: UnsafePointer<CChar>?,
    _ stem_out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let out = try output(stem_out, "stem_out")
        let input = try argument(image, "image")
        let name = try argument(operation, "operation")
        guard let op = Operation(name: name) else {
            throw RecraftError(.invalidArgument, "unknown operation \"\(name)\"; use e.g. crisp_upscale or remove_background")
        }
        out.pointee = strdup(OutputName.stem(input: input, operation: op).replacingNUL())
    }
}

/// The file name result index of the job gets when saved into a directory, the one naming
/// rule of the C API, Python and the recraft command: stem, a dot and the extension of
/// the result (from its URL's file name, its MIME type or its magic bytes; else the
/// input's; png when unknown, or while there is no result at index). stem NULL: the name
/// recraft_job_download gives in a directory, after the input and operation
/// ("cat.crisp-upscale.png"; "cat.crisp-upscale-1.png" for index 1), or
/// "<task id>-<index>.<ext>" for a job from recraft_job_open. Does not take ownership of stem.
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed job, a NULL name_out or a stem
/// that is not valid UTF-8.
/// On success *name_out is the caller's; free with recraft_string_free.
@c public func recraft_job_file_name(
    _ job: UnsafeRawPointer?, _ index: UInt, _ stem: UnsafePointer<CChar>?,
    _ name_out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(job, as: JobHandle.self, "job")
        let out = try output(name_out, "name_out")
        let base = try stem.map { pointer throws(RecraftError) in try argument(pointer, "stem") }
        out.pointee = strdup(handle.job.fileName(Int(clamping: index), stem: base).replacingNUL())
    }
}
