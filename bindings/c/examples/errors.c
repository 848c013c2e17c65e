/*
 * errors: one of each kind of failure, and how a program tells them apart.
 *
 *   errors BASE_URL KEYED_BASE_URL IMAGE
 *
 * BASE_URL is a sandbox; KEYED_BASE_URL a sandbox started with --api-key KEY (any KEY
 * but "wrong-key", which this program sends); IMAGE a small PNG. Prints, for each
 * case, the status code's name (recraft_status_name) and the message, and exits 1 if
 * a case did not give the code shown beside it.
 *
 * Two places errors come from:
 *   - a call that fails returns its code; recraft_last_error_message() says why (on
 *     this thread, until the next failing call). The request was refused before
 *     anything was sent: fix the program or the input.
 *   - a job that fails in the background is not a failed call: recraft_job_wait
 *     returns RECRAFT_OK with RECRAFT_STATE_FAILED, and recraft_job_error_code() /
 *     recraft_job_error_message() say why (the provider's reason, the network, ...).
 *
 * Build: cc -std=c11 errors.c $(pkg-config --cflags --libs recraft)
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

static int mismatches;

/* Prints one case; counts it when the code is not the one this sample expects. */
static void show(const char *what, recraft_status expected, recraft_status got, const char *message)
{
    printf("%-34s %-22s (%2d): %s\n", what, recraft_status_name(got), (int)got, message);
    if (got != expected) {
        printf("    ^ expected %s (%d)\n", recraft_status_name(expected), (int)expected);
        mismatches++;
    }
}

static recraft_client *client_for(const char *config)
{
    recraft_client *client = NULL;
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) exit_with_error("recraft_client_new", status);
    return client;
}

/* Submits request_json and waits for the job's end. Returns RECRAFT_OK if it succeeded,
 * else the code of the call that failed or of the job's failure, with the message in
 * message. */
static recraft_status run_job(recraft_client *client, const char *request_json, char *message, size_t size)
{
    recraft_job *job = NULL;
    recraft_state state = RECRAFT_STATE_PENDING;
    recraft_status status = recraft_submit(client, request_json, &job);
    if (status == RECRAFT_OK) status = recraft_job_wait(job, 60000, &state);
    if (status != RECRAFT_OK) {
        snprintf(message, size, "%s", recraft_last_error_message()); /* the call failed */
    } else if (state == RECRAFT_STATE_SUCCEEDED) {
        snprintf(message, size, "succeeded");
    } else if (state == RECRAFT_STATE_FAILED || state == RECRAFT_STATE_CANCELLED) {
        status = recraft_job_error_code(job); /* the job failed */
        snprintf(message, size, "job %s: %s", recraft_job_id(job) ? recraft_job_id(job) : "(no task id)",
                 recraft_job_error_message(job));
    } else {
        status = RECRAFT_ERR_TIMEOUT; /* still running after 60 s: our wait ran out, not the job */
        snprintf(message, size, "still running");
    }
    recraft_job_free(job);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL KEYED_BASE_URL IMAGE\n", argv[0]);
        return 2;
    }
    char base_url[2048], keyed_url[2048], image[4096], config[4300], request[8400], message[2048];
    if (json_string(base_url, sizeof base_url, argv[1]) || json_string(keyed_url, sizeof keyed_url, argv[2]) ||
        json_string(image, sizeof image, argv[3])) {
        fprintf(stderr, "error: an argument is too long\n");
        return 2;
    }
    recraft_client *client = NULL;
    recraft_status status;

    /* 1. A bad configuration: the call fails; nothing is created. */
    status = recraft_client_new("{\"provider\": \"no-such-provider\"}", &client);
    show("bad configuration", RECRAFT_ERR_INVALID_CONFIG, status, recraft_last_error_message());

    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": %s, \"poll_initial_ms\": 50}", base_url);
    client = client_for(config);

    /* 2. An operation that does not exist. */
    snprintf(request, sizeof request, "{\"operation\": \"teleport\", \"image\": %s}", image);
    status = run_job(client, request, message, sizeof message);
    show("unknown operation", RECRAFT_ERR_INVALID_ARGUMENT, status, message);

    /* 3. An input file that is not there: refused at submit, nothing is sent or paid. */
    status = run_job(client, "{\"operation\": \"crisp_upscale\", \"image\": \"/nonexistent/photo.png\"}", message,
                     sizeof message);
    show("missing input file", RECRAFT_ERR_INVALID_INPUT, status, message);

    /* 4. An operation this provider does not sell (the message names those that do). */
    snprintf(request, sizeof request, "{\"operation\": \"vectorize\", \"image\": %s}", image);
    status = run_job(client, request, message, sizeof message);
    show("unsupported operation", RECRAFT_ERR_UNSUPPORTED, status, message);

    /* 5. Asking for the result before there is one: RECRAFT_ERR_NOT_READY; wait first. */
    {
        recraft_job *job = NULL;
        snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": %s}", image);
        status = recraft_submit(client, request, &job);
        if (status != RECRAFT_OK) exit_with_error("recraft_submit", status);
        status = recraft_job_download(job, 0, "never-written.png");
        show("download before success", RECRAFT_ERR_NOT_READY, status, recraft_last_error_message());
        recraft_job_free(job); /* a running job is cancelled locally */
    }

    /* 6. A job the provider runs and fails: here the provider cannot fetch the image URL.
     *    The submit succeeds; the failure comes with the job. */
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s/files/no-such-file.png\"}",
             argv[1]);
    status = run_job(client, request, message, sizeof message);
    show("failed job", RECRAFT_ERR_JOB_FAILED, status, message);
    recraft_client_free(client);

    /* 7. A key the provider refuses: the job fails with RECRAFT_ERR_AUTHENTICATION. */
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": %s, \"api_key\": \"wrong-key\"}",
             keyed_url);
    client = client_for(config);
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": %s}", image);
    status = run_job(client, request, message, sizeof message);
    show("wrong API key", RECRAFT_ERR_AUTHENTICATION, status, message);
    recraft_client_free(client);

    /* 8. Nobody listening at the address: a network error, after the retries. */
    client = client_for("{\"provider\": \"sandbox\", \"base_url\": \"http://127.0.0.1:9\", \"max_retries\": 0}");
    status = run_job(client, request, message, sizeof message);
    show("provider unreachable", RECRAFT_ERR_NETWORK, status, message);
    recraft_client_free(client);

    printf("%s\n", mismatches ? "some cases did not give the expected code" : "every case gave the expected code");
    return mismatches ? 1 : 0;
}
