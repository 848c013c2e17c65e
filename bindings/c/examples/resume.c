/*
 * resume: survive a crash without paying twice, with the journal.
 *
 *   resume submit  BASE_URL JOURNAL IMAGE...   submit, then stop dead as a crash would
 *   resume collect BASE_URL JOURNAL OUTDIR     after the restart: reopen, wait, download
 *
 * With "journal_path" in the configuration the library writes every submission to
 * JOURNAL (and fsyncs it) before the request goes out, and the provider's task id as
 * soon as it comes back. `submit` sends the images, waits until the provider has
 * accepted each one (so it has a task id: the task is paid for), then ends with _Exit:
 * no wait, no free, like a process that was killed. `collect` is the restarted
 * program: recraft_journal_list says what happened to each job, and every task the
 * provider accepted is reopened by its id with recraft_job_open (nothing is submitted
 * again) and its result downloaded into OUTDIR.
 *
 * Build: cc -std=c11 resume.c $(pkg-config --cflags --libs recraft)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json_reader.h"

static recraft_client *open_client(const char *base_url, const char *journal)
{
    char url[2048], path[4096], config[6200];
    if (json_string(url, sizeof url, base_url) || json_string(path, sizeof path, journal)) {
        fprintf(stderr, "error: an argument is too long\n");
        exit(2);
    }
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": %s, \"journal_path\": %s}", url, path);
    recraft_client *client = NULL;
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) exit_with_error("recraft_client_new", status);
    return client;
}

static int submit(recraft_client *client, int count, char **images)
{
    for (int i = 0; i < count; i++) {
        char image[4096], request[4200];
        recraft_job *job = NULL;
        if (json_string(image, sizeof image, images[i])) return 2;
        snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": %s}", image);
        recraft_status status = recraft_submit(client, request, &job);
        if (status != RECRAFT_OK) exit_with_error("recraft_submit", status);

        /* Wait (a little at a time) until the provider has the task: then it has an id. */
        recraft_state state = RECRAFT_STATE_PENDING;
        while (recraft_job_id(job) == NULL && state != RECRAFT_STATE_FAILED && state != RECRAFT_STATE_CANCELLED)
            if ((status = recraft_job_wait(job, 20, &state)) != RECRAFT_OK) exit_with_error("recraft_job_wait", status);
        if (recraft_job_id(job) == NULL) {
            fprintf(stderr, "error: %s was not accepted: %s\n", images[i], recraft_job_error_message(job));
            return 1;
        }
        printf("%s: accepted as task %s\n", images[i], recraft_job_id(job));
        /* The job is not freed: recraft_job_free would cancel it locally, and the point
         * here is a process that dies while its jobs run. */
    }
    printf("submitted %d; stopping without waiting, as a crash would\n", count);
    fflush(stdout);
    _Exit(0); /* C11: ends the process at once, no atexit handlers, no cleanup */
}

/* Reopens the task and downloads its result into outdir; returns 0 on success. */
static int collect_one(recraft_client *client, const char *operation, const char *task_id, const char *outdir)
{
    recraft_job *job = NULL;
    recraft_state state = RECRAFT_STATE_PENDING;
    recraft_status status = recraft_job_open(client, operation, task_id, &job);
    if (status == RECRAFT_OK) status = recraft_job_wait(job, -1, &state);
    if (status == RECRAFT_OK && state == RECRAFT_STATE_SUCCEEDED) status = recraft_job_download(job, 0, outdir);
    if (status != RECRAFT_OK) {
        fprintf(stderr, "task %s: %s: %s\n", task_id, recraft_status_name(status), recraft_last_error_message());
    } else if (state != RECRAFT_STATE_SUCCEEDED) {
        fprintf(stderr, "task %s ended without a result: %s\n", task_id, recraft_job_error_message(job));
    } else {
        printf("task %s: result saved in %s\n", task_id, outdir);
    }
    recraft_job_free(job);
    return status == RECRAFT_OK && state == RECRAFT_STATE_SUCCEEDED ? 0 : 1;
}

static int collect(recraft_client *client, const char *outdir)
{
    char *json = NULL;
    recraft_status status = recraft_journal_list(client, &json);
    if (status != RECRAFT_OK) exit_with_error("recraft_journal_list", status);

    int collected = 0, failed = 0;
    const char *entries = json_object_get(json, "entries");
    for (const char *entry = entries ? json_array_next(entries, 1) : NULL; entry; entry = json_array_next(entry, 0)) {
        char what[64] = "", operation[64] = "", task_id[512] = "", image[4096] = "";
        json_string_value(json_object_get(entry, "status"), what, sizeof what);
        json_string_value(json_object_get(entry, "operation"), operation, sizeof operation);
        json_string_value(json_object_get(entry, "image"), image, sizeof image);
        int has_task = json_string_value(json_object_get(entry, "task_id"), task_id, sizeof task_id) == 0;

        if (has_task && (strcmp(what, "in_flight") == 0 || strcmp(what, "succeeded") == 0)) {
            /* The provider has (or had) the task: reopen it; this costs nothing. */
            printf("%s: %s as task %s: reopening\n", image, what, task_id);
            if (collect_one(client, operation, task_id, outdir) == 0) collected++; else failed++;
        } else if (strcmp(what, "not_sent") == 0) {
            printf("%s: never sent: safe to submit again\n", image);
        } else if (strcmp(what, "uncertain") == 0) {
            printf("%s: sent, but no reply was recorded: ask the provider before submitting it again\n", image);
        } else {
            printf("%s: %s\n", image, what); /* failed or cancelled: its "error" says why */
        }
    }
    const char *problems = json_object_get(json, "problems");
    for (const char *p = problems ? json_array_next(problems, 1) : NULL; p; p = json_array_next(p, 0)) {
        char problem[1024];
        if (json_string_value(p, problem, sizeof problem) == 0) fprintf(stderr, "journal: %s\n", problem);
    }
    recraft_string_free(json);
    printf("collected %d, failed %d\n", collected, failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    int status;
    if (argc >= 5 && strcmp(argv[1], "submit") == 0) {
        status = submit(open_client(argv[2], argv[3]), argc - 4, argv + 4);
    } else if (argc == 5 && strcmp(argv[1], "collect") == 0) {
        recraft_client *client = open_client(argv[2], argv[3]);
        status = collect(client, argv[4]);
        recraft_client_free(client);
    } else {
        fprintf(stderr, "usage: %s submit BASE_URL JOURNAL IMAGE...\n"
                        "       %s collect BASE_URL JOURNAL OUTDIR\n", argv[0], argv[0]);
        status = 2;
    }
    return status;
}
