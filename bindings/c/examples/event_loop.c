/*
 * event_loop: drive jobs from your own poll() loop. The client's event descriptor
 * (recraft_client_event_fd) becomes readable when a job ends; recraft_client_take_finished
 * hands over the jobs that did. The loop here also wakes once a second to show that it
 * is free to do other work (a real program would watch its own sockets too).
 *
 *   event_loop BASE_URL OUTDIR IMAGE...
 *
 * BASE_URL is a sandbox (RECRAFT_PROVIDER and RECRAFT_API_KEY override "sandbox" and the key).
 * Every image is submitted at once; each result is saved as OUTDIR/<n>.<ext> when its job
 * ends. Prints a line per image and a summary; exits 1 if any failed.
 *
 * Build: cc -std=c11 event_loop.c $(pkg-config --cflags --libs recraft)
 */
#define _POSIX_C_SOURCE 200809L /* poll() under -std=c11 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s BASE_URL OUTDIR IMAGE...\n", argv[0]);
        return 2;
    }
    const char *outdir = argv[2];
    int count = argc - 3;
    char **images = argv + 3;

    recraft_client *client = example_client(argv[1]);
    recraft_status status = RECRAFT_OK;

    recraft_job **jobs = calloc((size_t)count, sizeof *jobs);
    if (!jobs) return 1;
    for (int i = 0; i < count; i++) {
        char *quoted = NULL, request[8192];
        status = recraft_json_quote(images[i], &quoted);
        if (status != RECRAFT_OK) exit_with_error("recraft_json_quote", status);
        snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": %s}", quoted);
        recraft_string_free(quoted);
        status = recraft_submit(client, request, &jobs[i]);
        if (status != RECRAFT_OK) exit_with_error("recraft_submit", status);
    }

    int32_t fd = -1;
    status = recraft_client_event_fd(client, &fd);
    if (status != RECRAFT_OK) exit_with_error("recraft_client_event_fd", status);

    int left = count, succeeded = 0, failed = 0, idle_wakeups = 0;
    while (left > 0) {
        struct pollfd watched = { .fd = fd, .events = POLLIN };
        int ready = poll(&watched, 1, 1000);
        if (ready < 0) { perror("poll"); return 1; }
        if (ready == 0) { idle_wakeups++; continue; } /* time for the program's other work */
        recraft_job *finished[8];
        size_t taken = 0;
        status = recraft_client_take_finished(client, finished, 8, &taken);
        if (status != RECRAFT_OK) exit_with_error("recraft_client_take_finished", status);
        for (size_t k = 0; k < taken; k++) {
            int i = 0;
            while (i < count && jobs[i] != finished[k]) i++;
            if (i == count) { fprintf(stderr, "error: an unknown job was reported\n"); return 1; }
            recraft_state state;
            recraft_job_poll(jobs[i], &state);
            char stem[32], *name = NULL, path[4096];
            snprintf(stem, sizeof stem, "%d", i + 1);
            if (state == RECRAFT_STATE_SUCCEEDED && recraft_job_file_name(jobs[i], 0, stem, &name) == RECRAFT_OK) {
                snprintf(path, sizeof path, "%s/%s", outdir, name);
                recraft_string_free(name);
                if (recraft_job_download(jobs[i], 0, path) == RECRAFT_OK) {
                    printf("%s: saved %s\n", images[i], path);
                    succeeded++;
                } else {
                    fprintf(stderr, "%s: download failed: %s\n", images[i], recraft_last_error_message());
                    failed++;
                }
            } else {
                fprintf(stderr, "%s: failed: %s\n", images[i], recraft_job_error_message(jobs[i]));
                failed++;
            }
            recraft_job_free(jobs[i]);
            jobs[i] = NULL;
            left--;
        }
    }
    printf("%d succeeded, %d failed (the loop woke %d time(s) with nothing to do)\n", succeeded, failed, idle_wakeups);
    free(jobs);
    recraft_client_free(client);
    return failed ? 1 : 0;
}
