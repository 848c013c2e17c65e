/*
 * boundary: every export of librecraft called with bad input.
 *
 *   boundary BASE_URL INPUT_PNG
 *
 * NULLs everywhere, invalid UTF-8, malformed JSON, unknown operation and provider, an
 * empty job id, out-of-range indexes, downloads before success and after failure, use
 * after free, double free. Each call must return the documented code, leave its outputs
 * untouched, and set this thread's last error (code and a non-empty message); nothing
 * may crash. BASE_URL is a running sandbox (task duration >= 200 ms).
 *
 * Prints one line per check and exits 1 if any failed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "recraft.h"

static int passed, failed;
static const char *base_url, *input_png;

static void report(int ok, const char *what, const char *detail)
{
    if (ok) {
        passed++;
        printf("ok - %s\n", what);
    } else {
        failed++;
        printf("not ok - %s: %s\n", what, detail);
    }
}

/* Sets the last error to a known code and message that the next check must replace,
 * so a function that fails without recording its error is caught. */
static char primer_message[512];
static recraft_status primer_code;

static void prime(recraft_status next_expected)
{
    recraft_client *client = NULL;
    if (next_expected == RECRAFT_ERR_INVALID_CONFIG) {
        primer_code = recraft_client_new(NULL, &client); /* INVALID_ARGUMENT */
    } else {
        primer_code = recraft_client_new("{\"provider\": \"no-such-provider-primer\"}", &client); /* INVALID_CONFIG */
    }
    snprintf(primer_message, sizeof primer_message, "%s", recraft_last_error_message());
}

/* Checks that the last error is `expected` with a fresh, non-empty message. */
static void check_last_error(const char *what, recraft_status expected)
{
    char detail[1024];
    recraft_status code = recraft_last_error_code();
    const char *message = recraft_last_error_message();
    if (message == NULL) {
        report(0, what, "recraft_last_error_message() returned NULL");
    } else if (code == primer_code && strcmp(message, primer_message) == 0 && expected != primer_code) {
        snprintf(detail, sizeof detail, "the call did not set the last error (expected %d, %s); it still holds the "
                 "previous call's: %s", (int)expected, recraft_status_name(expected), message);
        report(0, what, detail);
    } else if (code != expected) {
        snprintf(detail, sizeof detail, "last error code %d (%s), expected %d (%s); message: %s", (int)code,
                 recraft_status_name(code), (int)expected, recraft_status_name(expected), message);
        report(0, what, detail);
    } else if (message[0] == '\0') {
        report(0, what, "recraft_last_error_message() is empty");
    } else if (strcmp(message, primer_message) == 0) {
        report(0, what, "the last error was not set by this call (still the previous one)");
    } else {
        report(1, what, "");
    }
}

/* A call returning recraft_status: the code returned and the last error must match. */
#define CHECK_STATUS(expected, call)                                                                   \
    do {                                                                                               \
        prime(expected);                                                                               \
        recraft_status got_ = (call);                                                                  \
        if (got_ != (expected)) {                                                                      \
            char detail_[1024];                                                                        \
            snprintf(detail_, sizeof detail_, "returned %d (%s), expected %d (%s); last error: %s",    \
                     (int)got_, recraft_status_name(got_), (int)(expected),                           \
                     recraft_status_name(expected), recraft_last_error_message());                     \
            report(0, #call, detail_);                                                                 \
        } else if ((expected) == RECRAFT_OK) {                                                         \
            report(1, #call, "");                                                                      \
        } else {                                                                                       \
            check_last_error(#call, expected);                                                         \
        }                                                                                              \
    } while (0)

#define CHECK(cond, what, detail) report((cond) ? 1 : 0, what, detail)

#define SENTINEL_CLIENT ((recraft_client *)(uintptr_t)0x5a5a5a5a)
#define SENTINEL_JOB ((recraft_job *)(uintptr_t)0x5a5a5a5a)
#define SENTINEL_STATE ((recraft_state)77)
#define SENTINEL_STRING ((char *)(uintptr_t)0x5a5a5a5a)

static char config_json[1024], request_json[4096], failing_request_json[4096];

static recraft_client *make_client(void)
{
    recraft_client *client = NULL;
    if (recraft_client_new(config_json, &client) != RECRAFT_OK) {
        fprintf(stderr, "fatal: recraft_client_new(%s): %s\n", config_json, recraft_last_error_message());
        exit(2);
    }
    return client;
}

static void test_client_new(void)
{
    recraft_client *client = SENTINEL_CLIENT;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_client_new(NULL, &client));
    CHECK(client == SENTINEL_CLIENT, "client_new(NULL): client_out untouched", "client_out was written");
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_client_new(config_json, NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_client_new("{\"provider\": \"sandbox\xff\xfe\"}", &client));
    CHECK_STATUS(RECRAFT_ERR_INVALID_CONFIG, recraft_client_new("{\"provider\": ", &client));
    CHECK_STATUS(RECRAFT_ERR_INVALID_CONFIG, recraft_client_new("", &client));
    CHECK_STATUS(RECRAFT_ERR_INVALID_CONFIG, recraft_client_new("[1, 2]", &client));
    CHECK_STATUS(RECRAFT_ERR_INVALID_CONFIG, recraft_client_new("{\"provider\": \"no-such-preset\"}", &client));
    CHECK_STATUS(RECRAFT_ERR_INVALID_CONFIG, recraft_client_new("{\"provider\": \"sandbox\", \"apiKey\": \"k\"}", &client));
    CHECK_STATUS(RECRAFT_ERR_INVALID_CONFIG, recraft_client_new("{\"provider\": \"sandbox\", \"timeout_ms\": \"soon\"}", &client));
    CHECK(client == SENTINEL_CLIENT, "client_new(bad config): client_out untouched", "client_out was written");
}

static void test_submit(recraft_client *client)
{
    recraft_job *job = SENTINEL_JOB;
    char request[4096];
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(NULL, request_json, &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, NULL, &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, request_json, NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, "{\"operation\": \"crisp_upscale\xc3\x28\"}", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, "{\"operation\": \"crisp_upscale\", ", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, "\"crisp_upscale\"", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, "{\"image\": \"x.png\"}", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, "{\"operation\": \"crisp_upscale\"}", &job));
    snprintf(request, sizeof request, "{\"operation\": \"teleport\", \"image\": \"%s\"}", input_png);
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, request, &job));
    snprintf(request, sizeof request, "{\"operation\": \"vectorize\", \"image\": \"%s\"}", input_png);
    CHECK_STATUS(RECRAFT_ERR_UNSUPPORTED, recraft_submit(client, request, &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_INPUT,
                 recraft_submit(client, "{\"operation\": \"crisp_upscale\", \"image\": \"/nonexistent/in.png\"}", &job));
    CHECK(job == SENTINEL_JOB, "submit(bad request): job_out untouched", "job_out was written");
}

static void test_job_open(recraft_client *client)
{
    recraft_job *job = SENTINEL_JOB;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(NULL, "crisp_upscale", "task-1", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(client, NULL, "task-1", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(client, "crisp_upscale", NULL, &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(client, "crisp_upscale", "task-1", NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(client, "crisp_upscale", "", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(client, "teleport", "task-1", &job));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_open(client, "crisp_upscale", "task-\xff", &job));
    CHECK(job == SENTINEL_JOB, "job_open(bad input): job_out untouched", "job_out was written");
}

/* The accessors that return a value rather than a status, given a NULL handle. */
static void test_null_job_accessors(void)
{
    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    CHECK(recraft_job_id(NULL) == NULL, "job_id(NULL) is NULL", "not NULL");
    check_last_error("job_id(NULL) sets the last error", RECRAFT_ERR_INVALID_ARGUMENT);

    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    CHECK(recraft_job_result_count(NULL) == 0, "job_result_count(NULL) is 0", "not 0");
    check_last_error("job_result_count(NULL) sets the last error", RECRAFT_ERR_INVALID_ARGUMENT);

    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    CHECK(recraft_job_result_url(NULL, 0) == NULL, "job_result_url(NULL, 0) is NULL", "not NULL");
    check_last_error("job_result_url(NULL, 0) sets the last error", RECRAFT_ERR_INVALID_ARGUMENT);

    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    char *json = recraft_job_json(NULL);
    CHECK(json == NULL, "job_json(NULL) is NULL", "not NULL");
    recraft_string_free(json);
    check_last_error("job_json(NULL) sets the last error", RECRAFT_ERR_INVALID_ARGUMENT);

    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    CHECK(recraft_job_error_code(NULL) == RECRAFT_ERR_INVALID_ARGUMENT, "job_error_code(NULL) is INVALID_ARGUMENT", "other code");
    check_last_error("job_error_code(NULL) sets the last error", RECRAFT_ERR_INVALID_ARGUMENT);

    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    const char *message = recraft_job_error_message(NULL);
    CHECK(message != NULL, "job_error_message(NULL) is not NULL", "NULL");
    check_last_error("job_error_message(NULL) sets the last error", RECRAFT_ERR_INVALID_ARGUMENT);

    recraft_state state = SENTINEL_STATE;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_poll(NULL, &state));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_wait(NULL, 0, &state));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_wait(NULL, -1, &state));
    CHECK(state == SENTINEL_STATE, "poll/wait(NULL): state_out untouched", "state_out was written");
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_download(NULL, 0, "/tmp/x.png"));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_cancel(NULL));
}

static recraft_job *submit_ok(recraft_client *client, const char *request)
{
    recraft_job *job = NULL;
    if (recraft_submit(client, request, &job) != RECRAFT_OK) {
        fprintf(stderr, "fatal: recraft_submit(%s): %s\n", request, recraft_last_error_message());
        exit(2);
    }
    return job;
}

static void test_job_lifecycle(recraft_client *client, const char *tmpdir)
{
    char path[4096], detail[512];
    recraft_state state = SENTINEL_STATE;
    recraft_job *job = submit_ok(client, request_json);

    /* Before the job has succeeded. */
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_poll(job, NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_wait(job, 0, NULL));
    snprintf(path, sizeof path, "%s/early.png", tmpdir);
    CHECK_STATUS(RECRAFT_ERR_NOT_READY, recraft_job_download(job, 0, path));
    struct stat st;
    CHECK(stat(path, &st) != 0, "download before success writes no file", path);
    prime(RECRAFT_ERR_NOT_READY);
    CHECK(recraft_job_result_url(job, 0) == NULL, "result_url before success is NULL", "not NULL");
    check_last_error("result_url before success sets the last error", RECRAFT_ERR_NOT_READY);
    CHECK(recraft_job_result_count(job) == 0, "result_count before success is 0", "not 0");
    CHECK(recraft_job_error_code(job) == RECRAFT_OK, "error_code of a running job is RECRAFT_OK", "not OK");
    CHECK(recraft_job_error_message(job) != NULL && recraft_job_error_message(job)[0] == '\0',
          "error_message of a running job is \"\"", "not empty");
    CHECK_STATUS(RECRAFT_OK, recraft_job_poll(job, &state));
    CHECK(state == RECRAFT_STATE_PENDING || state == RECRAFT_STATE_RUNNING, "poll right after submit: pending or running",
          "terminal already");

    /* A wait that times out returns RECRAFT_OK and a state that is not terminal. */
    state = SENTINEL_STATE;
    CHECK_STATUS(RECRAFT_OK, recraft_job_wait(job, 1, &state));
    CHECK(state == RECRAFT_STATE_PENDING || state == RECRAFT_STATE_RUNNING, "wait(1 ms): pending or running", "terminal");

    CHECK_STATUS(RECRAFT_OK, recraft_job_wait(job, 60000, &state));
    snprintf(detail, sizeof detail, "state %d, error %s", (int)state, recraft_job_error_message(job));
    CHECK(state == RECRAFT_STATE_SUCCEEDED, "the job succeeds", detail);
    CHECK(recraft_job_id(job) != NULL && recraft_job_id(job)[0] != '\0', "job_id is set once accepted", "NULL or empty");
    CHECK(recraft_job_result_count(job) >= 1, "result_count >= 1", "0");

    /* Results out of range. */
    size_t count = recraft_job_result_count(job);
    prime(RECRAFT_ERR_INVALID_ARGUMENT);
    CHECK(recraft_job_result_url(job, count) == NULL, "result_url(count) is NULL", "not NULL");
    check_last_error("result_url(count) sets the last error", RECRAFT_ERR_NOT_READY); /* "none at that index" */
    CHECK(recraft_job_result_url(job, SIZE_MAX) == NULL, "result_url(SIZE_MAX) is NULL", "not NULL");
    snprintf(path, sizeof path, "%s/out-of-range.png", tmpdir);
    CHECK_STATUS(RECRAFT_ERR_NOT_READY, recraft_job_download(job, count, path));
    CHECK_STATUS(RECRAFT_ERR_NOT_READY, recraft_job_download(job, SIZE_MAX, path));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_download(job, 0, NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_download(job, 0, ""));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_download(job, 0, "/tmp/bad-\xff.png"));
    CHECK_STATUS(RECRAFT_ERR_IO, recraft_job_download(job, 0, "/nonexistent-dir/sub/out.png"));

    /* What works after success: a download into a directory, named as recraft_job_file_name says; the JSON. */
    CHECK_STATUS(RECRAFT_OK, recraft_job_download(job, 0, tmpdir));
    char *name = SENTINEL_STRING;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_file_name(job, 0, NULL, NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_file_name(NULL, 0, NULL, &name));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_file_name(job, 0, "bad-\xff", &name));
    CHECK(name == SENTINEL_STRING, "job_file_name(bad input): name_out untouched", "written");
    CHECK_STATUS(RECRAFT_OK, recraft_job_file_name(job, 0, NULL, &name));
    snprintf(path, sizeof path, "%s/%s", tmpdir, name != SENTINEL_STRING && name ? name : "?");
    CHECK(name != SENTINEL_STRING && name && stat(path, &st) == 0, "job_file_name names the file download saved", path);
    if (name != SENTINEL_STRING) recraft_string_free(name);
    name = SENTINEL_STRING;
    CHECK_STATUS(RECRAFT_OK, recraft_job_file_name(job, SIZE_MAX, "photo.crisp-upscale", &name));
    CHECK(name != SENTINEL_STRING && name && strcmp(name, "photo.crisp-upscale.png") == 0,
          "job_file_name past the results: png", name != SENTINEL_STRING && name ? name : "NULL");
    if (name != SENTINEL_STRING) recraft_string_free(name);
    char *json = recraft_job_json(job);
    CHECK(json != NULL && strstr(json, "\"succeeded\"") != NULL, "job_json says succeeded", json ? json : "NULL");
    recraft_string_free(json);

    /* A cancel after the end changes nothing. */
    CHECK_STATUS(RECRAFT_OK, recraft_job_cancel(job));
    CHECK_STATUS(RECRAFT_OK, recraft_job_poll(job, &state));
    CHECK(state == RECRAFT_STATE_SUCCEEDED, "cancel after success leaves it succeeded", "state changed");

    /* Use after free, double free. */
    recraft_job_free(job);
    state = SENTINEL_STATE;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_poll(job, &state));
    CHECK(state == SENTINEL_STATE, "poll(freed job): state_out untouched", "written");
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_download(job, 0, tmpdir));
    name = SENTINEL_STRING;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_job_file_name(job, 0, NULL, &name));
    CHECK(name == SENTINEL_STRING, "job_file_name(freed job): name_out untouched", "written");
    recraft_job_free(job);
    CHECK(1, "job_free twice does not crash", "");
}

static void test_failed_job(recraft_client *client, const char *tmpdir)
{
    char path[4096], detail[512];
    recraft_state state = SENTINEL_STATE;
    recraft_job *job = submit_ok(client, failing_request_json);
    CHECK_STATUS(RECRAFT_OK, recraft_job_wait(job, 60000, &state));
    snprintf(detail, sizeof detail, "state %d", (int)state);
    CHECK(state == RECRAFT_STATE_FAILED, "a task whose input cannot be fetched ends FAILED", detail);
    recraft_status why = recraft_job_error_code(job);
    snprintf(detail, sizeof detail, "error code %d (%s)", (int)why, recraft_status_name(why));
    CHECK(why != RECRAFT_OK, "failed job: error_code is set", detail);
    const char *message = recraft_job_error_message(job);
    CHECK(message != NULL && message[0] != '\0', "failed job: error_message is not empty", "empty");
    snprintf(path, sizeof path, "%s/after-failure.png", tmpdir);
    CHECK_STATUS(why, recraft_job_download(job, 0, path));
    CHECK(recraft_job_result_count(job) == 0, "failed job: result_count is 0", "not 0");
    char *json = recraft_job_json(job);
    CHECK(json != NULL && strstr(json, "\"failed\"") != NULL, "failed job: job_json says failed", json ? json : "NULL");
    recraft_string_free(json);
    recraft_job_free(job);
}

static void test_cancel_and_free_running(recraft_client *client)
{
    recraft_state state = SENTINEL_STATE;
    recraft_job *job = submit_ok(client, request_json);
    CHECK_STATUS(RECRAFT_OK, recraft_job_cancel(job));
    CHECK_STATUS(RECRAFT_OK, recraft_job_wait(job, 5000, &state));
    CHECK(state == RECRAFT_STATE_CANCELLED, "cancel: wait returns CANCELLED", "other state");
    CHECK(recraft_job_error_code(job) == RECRAFT_ERR_CANCELLED, "cancelled job: error_code is CANCELLED", "other code");
    CHECK_STATUS(RECRAFT_ERR_CANCELLED, recraft_job_download(job, 0, "/tmp"));
    recraft_job_free(job);

    /* Free a job that is still running, and a client whose job outlives it. */
    job = submit_ok(client, request_json);
    recraft_job_free(job);
    CHECK(1, "free a running job does not crash", "");
}

static void test_job_outlives_client(void)
{
    recraft_client *client = make_client();
    recraft_job *job = submit_ok(client, request_json);
    recraft_client_free(client);
    recraft_client_free(client); /* a second free is ignored */
    recraft_state state = SENTINEL_STATE;
    CHECK_STATUS(RECRAFT_OK, recraft_job_wait(job, 60000, &state));
    CHECK(state == RECRAFT_STATE_SUCCEEDED, "a job outlives its freed client", "did not succeed");
    recraft_job *other = SENTINEL_JOB;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_submit(client, request_json, &other));
    CHECK(other == SENTINEL_JOB, "submit(freed client): job_out untouched", "written");
    recraft_job_free(job);
}

static void *fail_on_other_thread(void *arg)
{
    recraft_client *client = NULL;
    (void)arg;
    (void)recraft_client_new("{\"provider\": \"other-thread\"}", &client);
    return NULL;
}

static void test_last_error_is_thread_local(void)
{
    recraft_job *job = SENTINEL_JOB;
    (void)recraft_job_open(NULL, "crisp_upscale", "x", &job);
    pthread_t thread;
    pthread_create(&thread, NULL, fail_on_other_thread, NULL);
    pthread_join(thread, NULL);
    CHECK(recraft_last_error_code() == RECRAFT_ERR_INVALID_ARGUMENT && strstr(recraft_last_error_message(), "other-thread") == NULL,
          "the last error is per thread", recraft_last_error_message());
}

static void test_journal_and_callbacks(recraft_client *client, const char *tmpdir)
{
    char *json = SENTINEL_STRING;
    char config[2048];
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_journal_list(NULL, &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_journal_list(client, NULL));
    /* No journal_path: the shared store's ledger is the journal. */
    CHECK_STATUS(RECRAFT_OK, recraft_journal_list(client, &json));
    CHECK(json != SENTINEL_STRING && json != NULL && strstr(json, "\"entries\"") != NULL, "journal_list without journal_path reads the ledger",
          json ? json : "(null)");
    recraft_string_free(json);
    json = SENTINEL_STRING;

    /* A journal that exists lists the jobs submitted with it. */
    recraft_client *journaled = NULL;
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"k\", "
             "\"journal_path\": \"%s/journal.jsonl\"}", base_url, tmpdir);
    CHECK_STATUS(RECRAFT_OK, recraft_client_new(config, &journaled));
    if (journaled) {
        CHECK_STATUS(RECRAFT_OK, recraft_journal_list(journaled, &json));
        CHECK(json != SENTINEL_STRING && json != NULL && strstr(json, "\"entries\"") != NULL, "journal_list gives JSON",
              json && json != SENTINEL_STRING ? json : "NULL");
        if (json != SENTINEL_STRING) recraft_string_free(json);
        recraft_client_free(journaled);
    }

    json = SENTINEL_STRING;
    const char *body = "{\"code\": 200, \"data\": {\"taskId\": \"no-such-task\", \"state\": \"success\", "
                       "\"resultJson\": \"{\\\"resultUrls\\\": [\\\"http://127.0.0.1:9/r.png\\\"]}\"}}";
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(NULL, body, NULL, &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, NULL, NULL, &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, body, NULL, NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, "{\"data\": ", NULL, &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, "{}", NULL, &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, "{\"data\": {\"taskId\": \"t\xff\"}}", NULL, &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, body, "[1]", &json));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_callback_handle(client, body, "{\"X-Webhook-Signature\": ", &json));
    CHECK(json == SENTINEL_STRING, "callback_handle(bad): result_json_out untouched", "written");

    /* With webhook_secret set, an unsigned or wrongly signed callback is refused. */
    recraft_client *signed_client = NULL;
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"k\", "
             "\"webhook_secret\": \"s3cret\"}", base_url);
    CHECK_STATUS(RECRAFT_OK, recraft_client_new(config, &signed_client));
    if (signed_client) {
        CHECK_STATUS(RECRAFT_ERR_AUTHENTICATION, recraft_callback_handle(signed_client, body, NULL, &json));
        CHECK_STATUS(RECRAFT_ERR_AUTHENTICATION, recraft_callback_handle(signed_client, body,
                     "{\"X-Webhook-Timestamp\": \"1\", \"X-Webhook-Signature\": \"AAAA\"}", &json));
        CHECK(json == SENTINEL_STRING, "callback_handle(unsigned): result_json_out untouched", "written");
        recraft_client_free(signed_client);
    }

    /* A well-formed callback for a task this client does not run is still decoded. */
    CHECK_STATUS(RECRAFT_OK, recraft_callback_handle(client, body, NULL, &json));
    CHECK(json != SENTINEL_STRING && json != NULL && strstr(json, "no-such-task") != NULL,
          "callback_handle decodes the task", json && json != SENTINEL_STRING ? json : "NULL");
    if (json != SENTINEL_STRING) recraft_string_free(json);
}

/* The balance: bad arguments leave balance_out untouched; the sandbox answers a number;
 * a preset with no balance endpoint says unsupported and sends nothing. */
static void test_credits(recraft_client *client)
{
    double balance = -1.0;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_client_credits(NULL, &balance));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_client_credits(client, NULL));
    CHECK(balance == -1.0, "client_credits(bad input): balance_out untouched", "written");
    CHECK_STATUS(RECRAFT_OK, recraft_client_credits(client, &balance));
    CHECK(balance > 0.0, "client_credits: the sandbox's balance is positive", "not positive");
    char mirror_json[512];
    snprintf(mirror_json, sizeof mirror_json, "{\"provider\": \"recraft-mirror\", \"base_url\": \"%s\", \"api_key\": \"test\"}", base_url);
    recraft_client *mirror = NULL;
    CHECK_STATUS(RECRAFT_OK, recraft_client_new(mirror_json, &mirror));
    balance = -1.0;
    CHECK_STATUS(RECRAFT_ERR_UNSUPPORTED, recraft_client_credits(mirror, &balance));
    CHECK(balance == -1.0, "client_credits(unsupported): balance_out untouched", "written");
    recraft_client_free(mirror);
}

static void test_library(void)
{
    char expected[64], detail[128];
    snprintf(expected, sizeof expected, "%d.%d.%d", RECRAFT_VERSION_MAJOR, RECRAFT_VERSION_MINOR, RECRAFT_VERSION_PATCH);
    snprintf(detail, sizeof detail, "library %s, header %s", recraft_version(), expected);
    CHECK(strcmp(recraft_version(), expected) == 0, "recraft_version() matches the header", detail);
    CHECK(strcmp(recraft_status_name(-1), "unknown status") == 0, "status_name(-1)", recraft_status_name(-1));
    CHECK(strcmp(recraft_status_name(INT32_MAX), "unknown status") == 0, "status_name(INT32_MAX)", "");
    CHECK(strcmp(recraft_status_name(RECRAFT_ERR_AUTHENTICATION), "unknown status") != 0, "status_name(AUTHENTICATION)", "");
    CHECK(recraft_last_error_message() != NULL, "last_error_message is never NULL", "NULL");

    /* The catalog and the output names. */
    char *text = SENTINEL_STRING;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_catalog_json(NULL));
    CHECK_STATUS(RECRAFT_OK, recraft_catalog_json(&text));
    CHECK(text != SENTINEL_STRING && text && strstr(text, "\"crisp_upscale\"") && strstr(text, "\"RECRAFT_ERR_INTERNAL\""),
          "catalog_json names operations and codes", text != SENTINEL_STRING && text ? text : "NULL");
    if (text != SENTINEL_STRING) recraft_string_free(text);
    text = SENTINEL_STRING;
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_output_stem(NULL, "crisp_upscale", &text));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_output_stem("cat.png", NULL, &text));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_output_stem("cat.png", "crisp_upscale", NULL));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_output_stem("cat.png", "no_such_operation", &text));
    CHECK_STATUS(RECRAFT_ERR_INVALID_ARGUMENT, recraft_output_stem("cat-\xff.png", "crisp_upscale", &text));
    CHECK(text == SENTINEL_STRING, "output_stem(bad input): stem_out untouched", "written");
    CHECK_STATUS(RECRAFT_OK, recraft_output_stem("photos/cat.png", "crisp_upscale", &text));
    CHECK(text != SENTINEL_STRING && text && strcmp(text, "cat.crisp-upscale") == 0, "output_stem(photos/cat.png)",
          text != SENTINEL_STRING && text ? text : "NULL");
    if (text != SENTINEL_STRING) recraft_string_free(text);

    recraft_string_free(NULL);
    recraft_job_free(NULL);
    recraft_client_free(NULL);
    CHECK(1, "string_free(NULL), job_free(NULL), client_free(NULL)", "");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s BASE_URL INPUT_PNG\n", argv[0]);
        return 2;
    }
    base_url = argv[1];
    input_png = argv[2];
    snprintf(config_json, sizeof config_json,
             "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"test\", \"poll_initial_ms\": 20, "
             "\"poll_max_ms\": 100}", base_url);
    snprintf(request_json, sizeof request_json, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", input_png);
    snprintf(failing_request_json, sizeof failing_request_json,
             "{\"operation\": \"crisp_upscale\", \"image\": \"%s/files/no-such-input.png\"}", base_url);
    char tmpdir[4096];
    const char *parent = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/recraft-boundary.XXXXXX", parent && *parent ? parent : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }

    test_library();
    test_client_new();
    recraft_client *client = make_client();
    test_submit(client);
    test_job_open(client);
    test_null_job_accessors();
    test_job_lifecycle(client, tmpdir);
    test_failed_job(client, tmpdir);
    test_cancel_and_free_running(client);
    test_job_outlives_client();
    test_last_error_is_thread_local();
    test_journal_and_callbacks(client, tmpdir);
    test_credits(client);
    recraft_client_free(client);

    printf("boundary: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
