"""ctypes declarations of the C API in include/recraft.h.

Each declaration carries its C prototype in the comment above it; the tests
(tests/test_ffi.py) parse include/recraft.h and check both the comment and the ctypes
types against it, so the two cannot drift apart.

Conventions: one ``ctypes.Structure`` type per opaque handle, used through ``POINTER``;
``const char *`` arguments and borrowed results are ``c_char_p`` (bytes); a ``char *``
the library allocates comes back as ``c_void_p`` so that it can be freed with
``recraft_string_free`` (see ``take_string``).
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_double, c_int32, c_int64, c_size_t, c_void_p
from typing import Any

from . import _lib


class recraft_client(ctypes.Structure):
    """Opaque ``recraft_client``: only ever used through a pointer."""


class recraft_job(ctypes.Structure):
    """Opaque ``recraft_job``: only ever used through a pointer."""


recraft_client_p = POINTER(recraft_client)
recraft_job_p = POINTER(recraft_job)
#: ``typedef int32_t recraft_status;``
recraft_status = c_int32
#: ``typedef int32_t recraft_state;``
recraft_state = c_int32

# The completion callback. CFUNCTYPE, not PYFUNCTYPE: the library thread that calls it
# takes the GIL for the call. The job pointer is received as c_void_p (the same ABI as
# recraft_job *) and never used: the binding finds the job from user_data, a small
# integer id (see _callbacks.py).
# typedef void (*recraft_job_callback)(recraft_job *job, recraft_state state, void *user_data);
recraft_job_callback = CFUNCTYPE(None, c_void_p, recraft_state, c_void_p)

# The log callback: called on the library's log thread (it takes the GIL for the call).
# typedef void (*recraft_log_callback)(int32_t level, const char *message, void *user_data);
recraft_log_callback = CFUNCTYPE(None, c_int32, c_char_p, c_void_p)

# The transfer progress callback (not used by the bindings, which have no progress hook yet).
# typedef int32_t (*recraft_progress_callback)(recraft_job *job, int32_t direction, int64_t done, int64_t total, void *user_data);
recraft_progress_callback = CFUNCTYPE(c_int32, c_void_p, c_int32, c_int64, c_int64, c_void_p)

#: name -> (restype, argtypes). Pure data, so the tests can read it without the library.
DECLARATIONS: dict[str, tuple[Any, list[Any]]] = {}


def _declare(name: str, restype: Any, argtypes: list[Any]) -> None:
    DECLARATIONS[name] = (restype, argtypes)


# recraft_status recraft_client_new(const char *config_json, recraft_client **client_out);
_declare("recraft_client_new", recraft_status, [c_char_p, POINTER(recraft_client_p)])

# void recraft_client_free(recraft_client *client);
_declare("recraft_client_free", None, [recraft_client_p])

# recraft_status recraft_submit(recraft_client *client, const char *request_json, recraft_job **job_out);
_declare("recraft_submit", recraft_status, [recraft_client_p, c_char_p, POINTER(recraft_job_p)])

# recraft_status recraft_job_open(recraft_client *client, const char *operation, const char *job_id, recraft_job **job_out);
_declare("recraft_job_open", recraft_status, [recraft_client_p, c_char_p, c_char_p, POINTER(recraft_job_p)])

# const char *recraft_job_id(const recraft_job *job);
_declare("recraft_job_id", c_char_p, [recraft_job_p])

# recraft_status recraft_job_poll(recraft_job *job, recraft_state *state_out);
_declare("recraft_job_poll", recraft_status, [recraft_job_p, POINTER(recraft_state)])

# recraft_status recraft_job_wait(recraft_job *job, int64_t timeout_ms, recraft_state *state_out);
_declare("recraft_job_wait", recraft_status, [recraft_job_p, c_int64, POINTER(recraft_state)])

# size_t recraft_job_result_count(const recraft_job *job);
_declare("recraft_job_result_count", c_size_t, [recraft_job_p])

# const char *recraft_job_result_url(const recraft_job *job, size_t index);
_declare("recraft_job_result_url", c_char_p, [recraft_job_p, c_size_t])

# recraft_status recraft_job_download(recraft_job *job, size_t index, const char *path);
_declare("recraft_job_download", recraft_status, [recraft_job_p, c_size_t, c_char_p])

# char *recraft_job_json(const recraft_job *job);
_declare("recraft_job_json", c_void_p, [recraft_job_p])

# recraft_status recraft_job_error_code(const recraft_job *job);
_declare("recraft_job_error_code", recraft_status, [recraft_job_p])

# const char *recraft_job_error_message(const recraft_job *job);
_declare("recraft_job_error_message", c_char_p, [recraft_job_p])

# recraft_status recraft_job_cancel(recraft_job *job);
_declare("recraft_job_cancel", recraft_status, [recraft_job_p])

# void recraft_job_free(recraft_job *job);
_declare("recraft_job_free", None, [recraft_job_p])

# const char *recraft_last_error_message(void);
_declare("recraft_last_error_message", c_char_p, [])

# recraft_status recraft_last_error_code(void);
_declare("recraft_last_error_code", recraft_status, [])

# void recraft_string_free(char *s);
_declare("recraft_string_free", None, [c_void_p])

# const char *recraft_version(void);
_declare("recraft_version", c_char_p, [])

# const char *recraft_status_name(int32_t status);
_declare("recraft_status_name", c_char_p, [c_int32])

# recraft_status recraft_job_on_complete(recraft_job *job, recraft_job_callback callback, void *user_data);
_declare("recraft_job_on_complete", recraft_status, [recraft_job_p, recraft_job_callback, c_void_p])

# recraft_status recraft_journal_list(recraft_client *client, char **json_out);
_declare("recraft_journal_list", recraft_status, [recraft_client_p, POINTER(c_void_p)])

# recraft_status recraft_callback_handle(recraft_client *client, const char *body, const char *headers_json, char **result_json_out);
_declare("recraft_callback_handle", recraft_status, [recraft_client_p, c_char_p, c_char_p, POINTER(c_void_p)])

# recraft_status recraft_catalog_json(char **json_out);
_declare("recraft_catalog_json", recraft_status, [POINTER(c_void_p)])

# recraft_status recraft_output_stem(const char *image, const char *operation, char **stem_out);
_declare("recraft_output_stem", recraft_status, [c_char_p, c_char_p, POINTER(c_void_p)])

# recraft_status recraft_job_file_name(const recraft_job *job, size_t index, const char *stem, char **name_out);
_declare("recraft_job_file_name", recraft_status, [recraft_job_p, c_size_t, c_char_p, POINTER(c_void_p)])

# recraft_status recraft_client_credits(recraft_client *client, double *balance_out);
_declare("recraft_client_credits", recraft_status, [recraft_client_p, POINTER(c_double)])


# recraft_status recraft_set_log_callback(int32_t level, recraft_log_callback callback, void *user_data);
_declare("recraft_set_log_callback", recraft_status, [c_int32, recraft_log_callback, c_void_p])

# recraft_status recraft_wait_any(recraft_job *const *jobs, size_t n, int64_t timeout_ms, size_t *index_out);
_declare("recraft_wait_any", recraft_status, [POINTER(recraft_job_p), c_size_t, c_int64, POINTER(c_size_t)])

# recraft_status recraft_client_event_fd(recraft_client *client, int32_t *fd_out);
_declare("recraft_client_event_fd", recraft_status, [recraft_client_p, POINTER(c_int32)])

# recraft_status recraft_client_take_finished(recraft_client *client, recraft_job **jobs_out, size_t capacity, size_t *count_out);
_declare("recraft_client_take_finished", recraft_status,
         [recraft_client_p, POINTER(recraft_job_p), c_size_t, POINTER(c_size_t)])

# recraft_status recraft_job_set_progress_callback(recraft_job *job, recraft_progress_callback callback, void *user_data);
_declare("recraft_job_set_progress_callback", recraft_status, [recraft_job_p, recraft_progress_callback, c_void_p])

# recraft_status recraft_submit_memory(recraft_client *client, const char *request_json, const void *data, size_t length, recraft_job **job_out);
_declare("recraft_submit_memory", recraft_status,
         [recraft_client_p, c_char_p, c_void_p, c_size_t, POINTER(recraft_job_p)])

# recraft_status recraft_job_download_alloc(recraft_job *job, size_t index, void **data_out, size_t *length_out);
_declare("recraft_job_download_alloc", recraft_status, [recraft_job_p, c_size_t, POINTER(c_void_p), POINTER(c_size_t)])

# recraft_status recraft_job_download_buffer(recraft_job *job, size_t index, void *buffer, size_t capacity, size_t *length_out);
_declare("recraft_job_download_buffer", recraft_status,
         [recraft_job_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)])

# void recraft_buffer_free(void *data);
_declare("recraft_buffer_free", None, [c_void_p])

# recraft_status recraft_json_quote(const char *text, char **json_out);
_declare("recraft_json_quote", recraft_status, [c_char_p, POINTER(c_void_p)])


#: The library's major version these declarations are for (RECRAFT_VERSION_MAJOR).
ABI_MAJOR = 0


class _Library:
    """The loaded library; loaded on first use, and each function's prototype (from
    ``DECLARATIONS``) set the first time that function is used.

    Raises ImportError when the library is missing, lacks a declared function (older than
    these bindings) or has another major version."""

    def __init__(self) -> None:
        self._cdll: ctypes.CDLL | None = None
        self._lock = threading.Lock()

    def _load(self) -> ctypes.CDLL:
        with self._lock:
            if self._cdll is None:
                cdll = _lib.load()
                missing = [name for name in DECLARATIONS if not hasattr(cdll, name)]
                if missing:
                    raise ImportError(f"recraft: {_lib.loaded_path()} is older than these bindings: it lacks "
                                      f"{', '.join(missing)}; rebuild it (make lib) or reinstall the package")
                version_function = cdll.recraft_version
                version_function.restype, version_function.argtypes = DECLARATIONS["recraft_version"]
                version = (version_function() or b"").decode(errors="replace")
                if version.split(".", 1)[0] != str(ABI_MAJOR):
                    raise ImportError(f"recraft: {_lib.loaded_path()} is version {version}, these bindings need "
                                      f"{ABI_MAJOR}.x; install the package and library from one checkout")
                self._cdll = cdll
            return self._cdll

    def __getattr__(self, name: str) -> Any:
        declared = DECLARATIONS.get(name)
        if declared is None:
            raise AttributeError(f"{name} is not declared in recraft._ffi")
        function = getattr(self._load(), name)  # the CDLL's one function object for the name
        function.restype, function.argtypes = declared
        self.__dict__[name] = function  # declared once: the next use is a plain attribute
        return function


lib: Any = _Library()


def take_string(pointer: int | None) -> str | None:
    """Copies a ``char *`` the library allocated into a str and frees it."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8", errors="replace")
    finally:
        lib.recraft_string_free(pointer)


def text(value: bytes | None) -> str | None:
    """A borrowed ``const char *`` result (already copied by ctypes) as a str."""
    return None if value is None else value.decode("utf-8", errors="replace")


def encode(value: str, name: str) -> bytes:
    """A str argument as a NUL-free UTF-8 C string."""
    from .errors import InvalidArgumentError

    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(f"{name} contains a NUL character")
    return value.encode("utf-8", errors="surrogatepass")
