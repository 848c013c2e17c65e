/*
 * The log callback: a job against a sandbox that wants an API key, with a webhook
 * secret configured, logged at trace (every line there is), must show each request
 * (method, host, path, status, duration) and each state change, and no line may hold
 * the API key, the webhook secret, a bearer token or a URL's query string. Then the
 * callback is removed and nothing more arrives.
 *
 *   log BASE_URL IMAGE API_KEY
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recraft.h"

#define MAX_LINES 4096
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *lines[MAX_LINES];
static int levels[MAX_LINES];
static int count;

static void on_log(int32_t level, const char *message, void *user_data)
{
    (void)user_data;
    pthread_mutex_lock(&lock);
    if (count < MAX_LINES) {
        levels[count] = level;
        lines[count++] = strdup(message);
    }
    pthread_mutex_unlock(&lock);
}

static int failures;
static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "not ok", what);
    if (!ok) failures++;
}

static int any_line_has(const char *needle)
{
    int found = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < count && !found; i++) found = strstr(lines[i], needle) != NULL;
    pthread_mutex_unlock(&lock);
    return found;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL IMAGE API_KEY\n", argv[0]);
        return 2;
    }
    const char *secret = "whsec-log-test-0123456789";
    check(recraft_set_log_callback(5, on_log, NULL) == RECRAFT_ERR_INVALID_ARGUMENT, "level 5 is refused");
    check(recraft_set_log_callback(4, on_log, NULL) == RECRAFT_OK, "the callback is set at trace");

    char config[4096], request[4096];
    snprintf(config, sizeof config,
             "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"%s\", \"webhook_secret\": \"%s\"}",
             argv[1], argv[3], secret);
    recraft_client *client = NULL;
    if (recraft_client_new(config, &client) != RECRAFT_OK) {
        fprintf(stderr, "recraft_client_new: %s\n", recraft_last_error_message());
        return 1;
    }
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", argv[2]);
    recraft_job *job = NULL;
    recraft_state state = RECRAFT_STATE_PENDING;
    check(recraft_submit(client, request, &job) == RECRAFT_OK, "submit");
    check(job && recraft_job_wait(job, 120000, &state) == RECRAFT_OK && state == RECRAFT_STATE_SUCCEEDED, "the job succeeded");
    void *data = NULL;
    size_t size = 0;
    check(recraft_job_download_alloc(job, 0, &data, &size) == RECRAFT_OK, "the result downloaded");
    recraft_buffer_free(data);
    recraft_job_free(job);
    recraft_client_free(client);

    /* Lines are delivered on the log thread: wait (generously) for the download's line. */
    for (int i = 0; i < 600 && !any_line_has("download GET"); i++) {
        struct timespec tick = { 0, 50 * 1000 * 1000 };
        nanosleep(&tick, NULL);
    }
    check(recraft_set_log_callback(0, NULL, NULL) == RECRAFT_OK, "the callback is removed");
    pthread_mutex_lock(&lock);
    int seen = count;
    pthread_mutex_unlock(&lock);

    printf("%d line(s):\n", seen);
    for (int i = 0; i < seen; i++) printf("  [%d] %s\n", levels[i], lines[i]);
    check(seen > 0, "lines arrived");
    check(any_line_has("POST 127.0.0.1:"), "a request line names method and host");
    check(any_line_has("-> 200 in "), "a request line has the status and duration");
    check(any_line_has("download GET"), "the download is logged");
    check(any_line_has("pending -> running") || any_line_has("pending -> succeeded"), "a state change is logged");
    check(any_line_has("-> succeeded"), "the end is logged");
    check(any_line_has("Authorization: [redacted]"), "the Authorization header shows, redacted (trace)");
    check(!any_line_has(argv[3]), "the API key never appears");
    check(!any_line_has(secret), "the webhook secret never appears");
    check(!any_line_has("Bearer"), "no bearer token appears");
    int query = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < seen; i++) {
        const char *url = strstr(lines[i], "://");
        const char *q = url ? strchr(url, '?') : NULL;
        if (q && strncmp(q, "?[redacted]", 11) != 0) query = 1;
    }
    pthread_mutex_unlock(&lock);
    check(!query, "no URL keeps its query string");

    for (int i = 0; i < seen; i++) free(lines[i]);
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
