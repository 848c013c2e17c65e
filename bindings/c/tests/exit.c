/*
 * exit: a program using librecraft must end cleanly, however it ends.
 *
 *   exit MODE BASE_URL INPUT_PNG
 *
 * MODE:
 *   free-then-return   submit 20 crisp_upscale jobs, wait for all, free the jobs and the
 *                      client, return from main;
 *   free-in-flight     submit 20 jobs, free them and the client at once, return from
 *                      main (the jobs go on in the library's threads until the exit);
 *   wait-then-return   submit 20 jobs, wait for all, return from main without freeing
 *                      them (the handles stay reachable from globals: nothing is lost);
 *   return-in-flight   submit 20 jobs and return from main at once (nothing freed or
 *                      waited for: the library's threads are still inside libcurl);
 *   exit-in-flight     submit 20 jobs and call exit(0) from main at once;
 *   exit-from-thread   submit 20 jobs; main waits on one of them while a second thread
 *                      calls exit(0).
 *
 * The process must exit with status 0 and no signal (run.sh runs each mode many times,
 * plainly and under valgrind, and counts the runs that did not). Exits 1 when a call
 * failed before the end (a setup problem, not the bug under test).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recraft.h"

#define JOBS 20

static recraft_client *client;
static recraft_job *jobs[JOBS];

static void submit_all(const char *base_url, const char *input)
{
    char config[1024], request[4096];
    snprintf(config, sizeof config,
             "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"exit-test\", "
             "\"poll_initial_ms\": 20, \"poll_max_ms\": 200}", base_url);
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) {
        fprintf(stderr, "error: recraft_client_new: %s: %s\n", recraft_status_name(status), recraft_last_error_message());
        exit(1);
    }
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", input);
    for (int i = 0; i < JOBS; i++) {
        status = recraft_submit(client, request, &jobs[i]);
        if (status != RECRAFT_OK) {
            fprintf(stderr, "error: recraft_submit %d: %s: %s\n", i, recraft_status_name(status), recraft_last_error_message());
            exit(1);
        }
    }
}

static void *exit_now(void *unused)
{
    (void)unused;
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: exit free-then-return|free-in-flight|wait-then-return|return-in-flight|exit-in-flight|exit-from-thread BASE_URL INPUT_PNG\n");
        return 2;
    }
    const char *mode = argv[1];
    submit_all(argv[2], argv[3]);

    if (strcmp(mode, "free-then-return") == 0 || strcmp(mode, "wait-then-return") == 0) {
        int bad = 0;
        for (int i = 0; i < JOBS; i++) {
            recraft_state state = RECRAFT_STATE_PENDING;
            recraft_status status = recraft_job_wait(jobs[i], 120000, &state);
            if (status != RECRAFT_OK || state != RECRAFT_STATE_SUCCEEDED) {
                fprintf(stderr, "error: job %d: status %d, state %d: %s\n", i, (int)status, (int)state,
                        recraft_job_error_message(jobs[i]));
                bad = 1;
            }
        }
        if (strcmp(mode, "wait-then-return") == 0) return bad;
        for (int i = 0; i < JOBS; i++) recraft_job_free(jobs[i]);
        recraft_client_free(client);
        return bad;
    }
    if (strcmp(mode, "free-in-flight") == 0) {
        for (int i = 0; i < JOBS; i++) recraft_job_free(jobs[i]);
        recraft_client_free(client);
        return 0;
    }
    if (strcmp(mode, "return-in-flight") == 0) {
        return 0;
    }
    if (strcmp(mode, "exit-in-flight") == 0) {
        exit(0);
    }
    if (strcmp(mode, "exit-from-thread") == 0) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, exit_now, NULL) != 0) {
            fprintf(stderr, "error: pthread_create failed\n");
            return 1;
        }
        recraft_state state;
        recraft_job_wait(jobs[JOBS - 1], 120000, &state); /* exit(0) happens meanwhile */
        pthread_join(thread, NULL);                       /* not reached: exit_now never returns */
        return 0;
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
