import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Submits a job whose input image is the length bytes at data (a PNG, JPEG or WebP in
/// memory: an upload, an S3 object) instead of a file: like recraft_submit otherwise.
/// request_json is recraft_submit's without "image", or with "image" as a name only
/// (not read): results are named after it ("upload.png" → "upload.crisp-upscale.png";
/// "image" when absent) and the ledger records the input as
/// "memory:<16 hex digits of its SHA-256>:<name>". The bytes are copied before this returns (into an anonymous in-memory
/// file, never onto disk), so data may be freed at once. Does not take ownership of
/// request_json or data. On success *job_out is the caller's; free with recraft_job_free.
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL data, a length of 0 or a bad request,
/// RECRAFT_ERR_INVALID_INPUT for bytes that are no acceptable image, RECRAFT_ERR_IO when
/// no memory file can be made, and recraft_submit's other codes.
@c public func recraft_submit_memory(
    _ client: OpaquePointer?, _ request_json: UnsafePointer<CChar>?, _ data: UnsafeRawPointer?, _ length: UInt,
    _ job_out: UnsafeMutablePointer<OpaquePointer?>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(job_out, "job_out")
        guard let data else { throw RecraftError(.invalidArgument, "data is NULL: pass the image's bytes") }
        guard length > 0, length <= UInt(Int.max) else { throw RecraftError(.invalidArgument, "length is \(length): pass the image's size in bytes") }
        let text = try argument(request_json, "request_json")
        var object = try JobRequest.object(json: text)
        if object["image"] == nil { object["image"] = .string("image") }
        var request = try JobRequest(json: JSONValue.object(object).serialized())
        let bytes = UnsafeRawBufferPointer(start: data, count: Int(length))
        let memory = try MemoryFile(copying: bytes)
        request.memory = MemoryInput(name: object["image"]?.string ?? "image", bytes: bytes)
        // submit opens and checks the input through this path and keeps its own descriptor.
        request.image = .file(memory.path)
        out.pointee = makeJobHandle(try handle.client.submit(request), client: handle)
    }
}

/// Downloads result index into memory the library allocates: on success *data_out points
/// to *length_out bytes, the caller's; free with recraft_buffer_free. Blocks until done,
/// like recraft_job_download (same codes, same limits: max_download_bytes, the download
/// timeout, recraft_job_cancel and a progress callback stop it). Returns
/// RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed job, data_out or length_out.
@c public func recraft_job_download_alloc(
    _ job: OpaquePointer?, _ index: UInt, _ data_out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ length_out: UnsafeMutablePointer<UInt>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        let data = try output(data_out, "data_out")
        let length = try output(length_out, "length_out")
        try handle.job.checkOwner()
        let bytes = try handle.job.downloadBytesBlocking(Int(min(index, UInt(Int.max))))
        guard let buffer = malloc(max(1, bytes.count)) else {
            throw RecraftError(.io, "cannot allocate \(bytes.count) bytes for the result")
        }
        bytes.withUnsafeBytes { raw in if let base = raw.baseAddress { buffer.copyMemory(from: base, byteCount: raw.count) } }
        data.pointee = buffer
        length.pointee = UInt(bytes.count)
    }
}

/// Downloads result index into the caller's buffer of capacity bytes and stores its size
/// in *length_out. Blocks like recraft_job_download_alloc. A result larger than capacity
/// is not written: RECRAFT_ERR_INVALID_ARGUMENT, with its size in the message (use
/// recraft_job_download_alloc when the size is not known). Does not take ownership of
/// buffer. Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed job, a NULL buffer or
/// length_out, and recraft_job_download's codes.
@c public func recraft_job_download_buffer(
    _ job: OpaquePointer?, _ index: UInt, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
    _ length_out: UnsafeMutablePointer<UInt>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        guard let buffer else { throw RecraftError(.invalidArgument, "buffer is NULL: pass memory of capacity bytes") }
        let length = try output(length_out, "length_out")
        try handle.job.checkOwner()
        let bytes = try handle.job.downloadBytesBlocking(Int(min(index, UInt(Int.max))))
        guard UInt(bytes.count) <= capacity else {
            throw RecraftError(
                .invalidArgument,
                "the result is \(bytes.count) bytes, more than the buffer's \(capacity): pass a buffer of at least \(bytes.count) bytes, or use recraft_job_download_alloc"
            )
        }
        bytes.withUnsafeBytes { raw in if let base = raw.baseAddress { buffer.copyMemory(from: base, byteCount: raw.count) } }
        length.pointee = UInt(bytes.count)
    }
}

/// Frees memory the library allocated for the caller (recraft_job_download_alloc). Accepts NULL.
@c public func recraft_buffer_free(_ data: UnsafeMutableRawPointer?) {
    free(data)
}

/// text as a JSON string literal, quotes included ("my \"best\" photo.png" for
/// my "best" photo.png), for building a request with snprintf. Does not take ownership of
/// text. Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL text, a NULL json_out or invalid
/// UTF-8. On success *json_out is the caller's; free with recraft_string_free.
@c public func recraft_json_quote(_ text: UnsafePointer<CChar>?, _ json_out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let out = try output(json_out, "json_out")
        out.pointee = strdup(JSONValue.string(try argument(text, "text")).serialized())
    }
}
