/*
 * auth: a wrong API key ends the job FAILED with RECRAFT_ERR_AUTHENTICATION.
 *
 *   auth BASE_URL INPUT_PNG GOOD_KEY
 *
 * BASE_URL is a sandbox started with --api-key GOOD_KEY. The right key must work (so
 * the failure below is the key's doing); a wrong key must fail at submit or, since the
 * submit runs in the background, end the job FAILED with error code AUTHENTICATION.
 */
#include <stdio.h>
#include <string.h>

#include "recraft.h"

static int passed, failed;

static void report(int ok, const char *what, const char *detail)
{
    if (ok) passed++; else failed++;
    printf(ok ? "ok - %s\n" : "not ok - %s: %s\n", what, detail);
}

/* Runs one crisp upscale with `key`; returns the status the caller would see: the
 * submit's error, else the job's error code (RECRAFT_OK when it succeeded). */
static recraft_status run(const char *base_url, const char *input, const char *key, char *message, size_t size)
{
    char config[2048], request[4096];
    recraft_client *client = NULL;
    recraft_job *job = NULL;
    recraft_state state = RECRAFT_STATE_PENDING;
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"%s\", "
             "\"poll_initial_ms\": 20}", base_url, key);
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", input);
    recraft_status status = recraft_client_new(config, &client);
    if (status == RECRAFT_OK) status = recraft_submit(client, request, &job);
    if (status == RECRAFT_OK) status = recraft_job_wait(job, 60000, &state);
    if (status != RECRAFT_OK) {
        snprintf(message, size, "%s", recraft_last_error_message());
    } else {
        status = recraft_job_error_code(job);
        snprintf(message, size, "state %d: %s", (int)state, recraft_job_error_message(job));
        if (status == RECRAFT_OK && state != RECRAFT_STATE_SUCCEEDED) status = RECRAFT_ERR_INTERNAL;
    }
    recraft_job_free(job);
    recraft_client_free(client);
    return status;
}

int main(int argc, char **argv)
{
    char message[1024], detail[1200];
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL INPUT_PNG GOOD_KEY\n", argv[0]);
        return 2;
    }
    recraft_status status = run(argv[1], argv[2], argv[3], message, sizeof message);
    snprintf(detail, sizeof detail, "%s (%d): %s", recraft_status_name(status), (int)status, message);
    report(status == RECRAFT_OK, "the right key works", detail);

    status = run(argv[1], argv[2], "wrong-key", message, sizeof message);
    snprintf(detail, sizeof detail, "%s (%d): %s", recraft_status_name(status), (int)status, message);
    report(status == RECRAFT_ERR_AUTHENTICATION, "a wrong key gives RECRAFT_ERR_AUTHENTICATION", detail);
    report(strstr(message, "wrong-key") == NULL, "the message does not repeat the key", message);

    printf("auth: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
