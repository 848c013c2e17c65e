/*
 * batch: crisp-upscale many images, never more than MAX_IN_FLIGHT at a time, using
 * completion callbacks instead of one blocked thread per job.
 *
 *   batch BASE_URL OUTDIR IMAGE...
 *
 * BASE_URL is a sandbox (or a Market provider's address; RECRAFT_PROVIDER and
 * RECRAFT_API_KEY override "sandbox" and the key), OUTDIR an existing directory the
 * results are saved into. Prints a line per image and a summary; exits 1 if any failed.
 *
 * The pattern: the main thread submits until MAX_IN_FLIGHT jobs are unfinished, then
 * sleeps on a condition variable. Each job's callback runs on a library thread (one
 * callback at a time), records the outcome and wakes the main thread, which downloads
 * the result, frees the job (never inside its callback) and submits the next image.
 *
 * Build: cc -std=c11 batch.c -pthread $(pkg-config --cflags --libs recraft)
 */
#define _POSIX_C_SOURCE 200809L /* pthreads under -std=c11 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

#define MAX_IN_FLIGHT 4

struct batch {
    pthread_mutex_t lock;
    pthread_cond_t job_ended; /* signalled by the callbacks */
    int *ended;               /* indexes of ended jobs, in the order they ended */
    int ended_count;          /* how many the callbacks have added */
};

struct item {
    struct batch *batch;
    int index;
    recraft_job *job;
    recraft_state state; /* set by the callback */
};

/* The completion callback: on a library thread. Record, wake main, return quickly. */
static void on_complete(recraft_job *job, recraft_state state, void *user_data)
{
    struct item *item = user_data;
    struct batch *batch = item->batch;
    (void)job; /* the job it was set on: main frees it, after this has run */
    pthread_mutex_lock(&batch->lock);
    item->state = state;
    batch->ended[batch->ended_count++] = item->index;
    pthread_cond_signal(&batch->job_ended);
    pthread_mutex_unlock(&batch->lock);
}

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

    struct batch batch = { .ended_count = 0 };
    struct item *items = calloc((size_t)count, sizeof *items);
    batch.ended = calloc((size_t)count, sizeof *batch.ended);
    if (!items || !batch.ended) { fprintf(stderr, "error: out of memory\n"); return 1; }
    pthread_mutex_init(&batch.lock, NULL);
    pthread_cond_init(&batch.job_ended, NULL);

    int next = 0, collected = 0, in_flight = 0, most_in_flight = 0, succeeded = 0, failed = 0;
    while (next < count || in_flight > 0) {
        /* Fill the free slots. A submit that fails (say, an unreadable file) takes none. */
        while (next < count && in_flight < MAX_IN_FLIGHT) {
            struct item *item = &items[next];
            char image[4096], request[4200];
            item->batch = &batch;
            item->index = next++;
            if (json_string(image, sizeof image, images[item->index])) {
                fprintf(stderr, "%s: path too long\n", images[item->index]);
                failed++;
                continue;
            }
            snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": %s}", image);
            status = recraft_submit(client, request, &item->job);
            if (status == RECRAFT_OK) status = recraft_job_on_complete(item->job, on_complete, item);
            if (status != RECRAFT_OK) {
                fprintf(stderr, "%s: not submitted: %s: %s\n", images[item->index], recraft_status_name(status),
                        recraft_last_error_message());
                recraft_job_free(item->job); /* NULL when the submit failed */
                item->job = NULL;
                failed++;
                continue;
            }
            if (++in_flight > most_in_flight) most_in_flight = in_flight;
        }
        if (in_flight == 0) break;

        /* Sleep until a callback says a job ended, then take it. */
        pthread_mutex_lock(&batch.lock);
        while (batch.ended_count == collected) pthread_cond_wait(&batch.job_ended, &batch.lock);
        struct item *item = &items[batch.ended[collected++]];
        pthread_mutex_unlock(&batch.lock);
        in_flight--;

        /* On this thread: download (it blocks), report, free the job. */
        if (item->state == RECRAFT_STATE_SUCCEEDED &&
            (status = recraft_job_download(item->job, 0, outdir)) == RECRAFT_OK) {
            printf("%s: job %s: saved in %s\n", images[item->index], recraft_job_id(item->job), outdir);
            succeeded++;
        } else if (item->state == RECRAFT_STATE_SUCCEEDED) {
            fprintf(stderr, "%s: download failed: %s: %s\n", images[item->index], recraft_status_name(status),
                    recraft_last_error_message());
            failed++;
        } else {
            recraft_status why = recraft_job_error_code(item->job);
            fprintf(stderr, "%s: job ended without a result: %s: %s\n", images[item->index],
                    recraft_status_name(why), recraft_job_error_message(item->job));
            failed++;
        }
        recraft_job_free(item->job);
        item->job = NULL;
    }

    printf("%d succeeded, %d failed, at most %d in flight (limit %d)\n", succeeded, failed, most_in_flight,
           MAX_IN_FLIGHT);
    pthread_cond_destroy(&batch.job_ended);
    pthread_mutex_destroy(&batch.lock);
    free(batch.ended);
    free(items);
    recraft_client_free(client);
    return failed ? 1 : 0;
}
