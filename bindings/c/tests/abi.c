/*
 * The ABI of librecraft 0.1, frozen: the exact type of every function and the value of
 * every constant, checked at compile time (C11 and C++17, -Werror: a function pointer
 * of another type does not convert). Adding to the API adds lines here; changing or
 * deleting one is an ABI break, which needs a new major version (docs/ABI.md).
 */
#include "recraft.h"

#ifdef __cplusplus
#define STATIC_ASSERT(cond, message) static_assert(cond, message)
#else
#define STATIC_ASSERT(cond, message) _Static_assert(cond, message)
#endif

/* Status codes: append-only, never renumbered or reused. */
STATIC_ASSERT(sizeof(recraft_status) == 4 && (recraft_status)-1 < 0, "recraft_status is an int32_t");
STATIC_ASSERT(RECRAFT_OK == 0, "code");
STATIC_ASSERT(RECRAFT_ERR_INVALID_ARGUMENT == 1, "code");
STATIC_ASSERT(RECRAFT_ERR_INVALID_CONFIG == 2, "code");
STATIC_ASSERT(RECRAFT_ERR_UNSUPPORTED == 3, "code");
STATIC_ASSERT(RECRAFT_ERR_INVALID_INPUT == 4, "code");
STATIC_ASSERT(RECRAFT_ERR_AUTHENTICATION == 5, "code");
STATIC_ASSERT(RECRAFT_ERR_INSUFFICIENT_CREDITS == 6, "code");
STATIC_ASSERT(RECRAFT_ERR_RATE_LIMITED == 7, "code");
STATIC_ASSERT(RECRAFT_ERR_PROVIDER_UNAVAILABLE == 8, "code");
STATIC_ASSERT(RECRAFT_ERR_NOT_FOUND == 9, "code");
STATIC_ASSERT(RECRAFT_ERR_JOB_FAILED == 10, "code");
STATIC_ASSERT(RECRAFT_ERR_TIMEOUT == 11, "code");
STATIC_ASSERT(RECRAFT_ERR_CANCELLED == 12, "code");
STATIC_ASSERT(RECRAFT_ERR_NETWORK == 13, "code");
STATIC_ASSERT(RECRAFT_ERR_IO == 14, "code");
STATIC_ASSERT(RECRAFT_ERR_PROTOCOL == 15, "code");
STATIC_ASSERT(RECRAFT_ERR_SUBMIT_UNCERTAIN == 16, "code");
STATIC_ASSERT(RECRAFT_ERR_NOT_READY == 17, "code");
STATIC_ASSERT(RECRAFT_ERR_INTERNAL == 18, "code");

/* States: fixed (a new one would change what "ended" means to existing programs). */
STATIC_ASSERT(sizeof(recraft_state) == 4 && (recraft_state)-1 < 0, "recraft_state is an int32_t");
STATIC_ASSERT(RECRAFT_STATE_PENDING == 0, "state");
STATIC_ASSERT(RECRAFT_STATE_RUNNING == 1, "state");
STATIC_ASSERT(RECRAFT_STATE_SUCCEEDED == 2, "state");
STATIC_ASSERT(RECRAFT_STATE_FAILED == 3, "state");
STATIC_ASSERT(RECRAFT_STATE_CANCELLED == 4, "state");

/* Every function's type. */
static int frozen_functions(void)
{
    void (*callback)(recraft_job *, recraft_state, void *) = (recraft_job_callback)0;
    recraft_status (*client_new)(const char *, recraft_client **) = recraft_client_new;
    void (*client_free)(recraft_client *) = recraft_client_free;
    recraft_status (*submit)(recraft_client *, const char *, recraft_job **) = recraft_submit;
    recraft_status (*job_open)(recraft_client *, const char *, const char *, recraft_job **) = recraft_job_open;
    const char *(*job_id)(const recraft_job *) = recraft_job_id;
    recraft_status (*job_poll)(recraft_job *, recraft_state *) = recraft_job_poll;
    recraft_status (*job_wait)(recraft_job *, int64_t, recraft_state *) = recraft_job_wait;
    size_t (*job_result_count)(const recraft_job *) = recraft_job_result_count;
    const char *(*job_result_url)(const recraft_job *, size_t) = recraft_job_result_url;
    recraft_status (*job_download)(recraft_job *, size_t, const char *) = recraft_job_download;
    char *(*job_json)(const recraft_job *) = recraft_job_json;
    recraft_status (*job_error_code)(const recraft_job *) = recraft_job_error_code;
    const char *(*job_error_message)(const recraft_job *) = recraft_job_error_message;
    recraft_status (*job_cancel)(recraft_job *) = recraft_job_cancel;
    void (*job_free)(recraft_job *) = recraft_job_free;
    recraft_status (*job_on_complete)(recraft_job *, recraft_job_callback, void *) = recraft_job_on_complete;
    recraft_status (*journal_list)(recraft_client *, char **) = recraft_journal_list;
    recraft_status (*callback_handle)(recraft_client *, const char *, const char *, char **) = recraft_callback_handle;
    const char *(*last_error_message)(void) = recraft_last_error_message;
    recraft_status (*last_error_code)(void) = recraft_last_error_code;
    void (*string_free)(char *) = recraft_string_free;
    const char *(*version)(void) = recraft_version;
    const char *(*status_name)(int32_t) = recraft_status_name;
    recraft_status (*catalog_json)(char **) = recraft_catalog_json;
    recraft_status (*output_stem)(const char *, const char *, char **) = recraft_output_stem;
    recraft_status (*job_file_name)(const recraft_job *, size_t, const char *, char **) = recraft_job_file_name;
    recraft_status (*client_credits)(recraft_client *, double *) = recraft_client_credits;
    /* 0.4 */
    void (*log_callback)(int32_t, const char *, void *) = (recraft_log_callback)0;
    int32_t (*progress_callback)(recraft_job *, int32_t, int64_t, int64_t, void *) = (recraft_progress_callback)0;
    recraft_status (*set_log_callback)(int32_t, recraft_log_callback, void *) = recraft_set_log_callback;
    recraft_status (*wait_any)(recraft_job *const *, size_t, int64_t, size_t *) = recraft_wait_any;
    recraft_status (*client_event_fd)(recraft_client *, int32_t *) = recraft_client_event_fd;
    recraft_status (*client_take_finished)(recraft_client *, recraft_job **, size_t, size_t *) = recraft_client_take_finished;
    recraft_status (*job_set_progress)(recraft_job *, recraft_progress_callback, void *) = recraft_job_set_progress_callback;
    recraft_status (*submit_memory)(recraft_client *, const char *, const void *, size_t, recraft_job **) = recraft_submit_memory;
    recraft_status (*job_download_alloc)(recraft_job *, size_t, void **, size_t *) = recraft_job_download_alloc;
    recraft_status (*job_download_buffer)(recraft_job *, size_t, void *, size_t, size_t *) = recraft_job_download_buffer;
    void (*buffer_free)(void *) = recraft_buffer_free;
    recraft_status (*json_quote)(const char *, char **) = recraft_json_quote;

    /* Read, so that each assignment is checked and none is "unused". 0: all are there. */
    (void)callback;
    (void)log_callback;
    (void)progress_callback;
    return !client_new + !client_free + !submit + !job_open + !job_id + !job_poll + !job_wait + !job_result_count +
           !job_result_url + !job_download + !job_json + !job_error_code + !job_error_message + !job_cancel +
           !job_free + !job_on_complete + !journal_list + !callback_handle + !last_error_message +
           !last_error_code + !string_free + !version + !status_name + !catalog_json + !output_stem + !job_file_name +
           !client_credits + !set_log_callback + !wait_any + !client_event_fd + !client_take_finished +
           !job_set_progress + !submit_memory + !job_download_alloc + !job_download_buffer + !buffer_free +
           !json_quote;
}

int main(void)
{
    return frozen_functions();
}
