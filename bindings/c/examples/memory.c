/*
 * memory: an image from memory in, the result into memory out, with a progress callback.
 *
 *   memory BASE_URL IMAGE OUT
 *
 * BASE_URL is a sandbox (RECRAFT_PROVIDER and RECRAFT_API_KEY override "sandbox" and the key).
 * Reads IMAGE into a buffer (as a web service holds an upload), submits it with
 * recraft_submit_memory, downloads the result into memory the library allocates
 * (recraft_job_download_alloc) and again into a buffer of its own
 * (recraft_job_download_buffer: a buffer too small is refused and says the size), checks
 * both hold the same bytes and writes them to OUT. Then cancels a download from its
 * progress callback (non-zero return), which fails with RECRAFT_ERR_CANCELLED.
 * Exits 1 on any failure.
 *
 * Build: cc -std=c11 memory.c $(pkg-config --cflags --libs recraft)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct progress {
    int calls;
    int64_t last_done, last_total;
    int cancel; /* return non-zero: cancel the job */
};

static int32_t on_progress(recraft_job *job, int32_t direction, int64_t done, int64_t total, void *user_data)
{
    struct progress *p = user_data;
    (void)job;
    (void)direction;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    return p->cancel;
}

static unsigned char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    unsigned char *data = NULL;
    size_t size = 0, cap = 0, got;
    do {
        if (size == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *grown = realloc(data, cap);
            if (!grown) { free(data); fclose(file); return NULL; }
            data = grown;
        }
        got = fread(data + size, 1, cap - size, file);
        size += got;
    } while (got > 0);
    fclose(file);
    *length = size;
    return data;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL IMAGE OUT\n", argv[0]);
        return 2;
    }
    recraft_client *client = example_client(argv[1]);
    recraft_status status = RECRAFT_OK;

    size_t length = 0;
    unsigned char *image = read_file(argv[2], &length);
    if (!image) { fprintf(stderr, "error: cannot read %s\n", argv[2]); return 1; }

    recraft_job *job = NULL;
    status = recraft_submit_memory(client, "{\"operation\": \"crisp_upscale\"}", image, length, &job);
    free(image); /* the library copied it */
    if (status != RECRAFT_OK) exit_with_error("recraft_submit_memory", status);
    struct progress seen = { 0, 0, 0, 0 };
    status = recraft_job_set_progress_callback(job, on_progress, &seen);
    if (status != RECRAFT_OK) exit_with_error("recraft_job_set_progress_callback", status);

    recraft_state state;
    status = recraft_job_wait(job, -1, &state);
    if (status != RECRAFT_OK) exit_with_error("recraft_job_wait", status);
    if (state != RECRAFT_STATE_SUCCEEDED) {
        fprintf(stderr, "error: the job ended %d: %s\n", (int)state, recraft_job_error_message(job));
        return 1;
    }

    void *data = NULL;
    size_t size = 0;
    seen.calls = 0;
    status = recraft_job_download_alloc(job, 0, &data, &size);
    if (status != RECRAFT_OK) exit_with_error("recraft_job_download_alloc", status);
    printf("download into library memory: %zu bytes, %d progress call(s), last %lld of %lld\n", size, seen.calls,
           (long long)seen.last_done, (long long)seen.last_total);
    if (size < 8 || memcmp(data, "\x89PNG", 4) != 0) { fprintf(stderr, "error: not a PNG\n"); return 1; }
    if (seen.calls == 0 || seen.last_done != (int64_t)size) {
        fprintf(stderr, "error: the progress callback did not see the whole download\n");
        return 1;
    }

    unsigned char small[16];
    size_t small_size = 0;
    status = recraft_job_download_buffer(job, 0, small, sizeof small, &small_size);
    if (status != RECRAFT_ERR_INVALID_ARGUMENT || small_size != 0) {
        fprintf(stderr, "error: a 16-byte buffer was not refused (%d)\n", (int)status);
        return 1;
    }
    printf("a 16-byte buffer: refused: %s\n", recraft_last_error_message());
    unsigned char *mine = malloc(size);
    size_t mine_size = 0;
    if (!mine) return 1;
    status = recraft_job_download_buffer(job, 0, mine, size, &mine_size);
    if (status != RECRAFT_OK) exit_with_error("recraft_job_download_buffer", status);
    if (mine_size != size || memcmp(mine, data, size) != 0) {
        fprintf(stderr, "error: the two downloads differ\n");
        return 1;
    }
    free(mine);

    FILE *out = fopen(argv[3], "wb");
    if (!out || fwrite(data, 1, size, out) != size || fclose(out) != 0) {
        fprintf(stderr, "error: cannot write %s\n", argv[3]);
        return 1;
    }
    recraft_buffer_free(data);
    printf("saved %s (%zu bytes)\n", argv[3], size);

    /* A progress callback that says stop: the download is cancelled, nothing is returned. */
    seen.cancel = 1;
    seen.calls = 0;
    data = NULL;
    status = recraft_job_download_alloc(job, 0, &data, &size);
    if (status != RECRAFT_ERR_CANCELLED || data != NULL) {
        fprintf(stderr, "error: a cancelling progress callback gave %d, not RECRAFT_ERR_CANCELLED\n", (int)status);
        return 1;
    }
    printf("cancelled from the progress callback after %d call(s): %s\n", seen.calls, recraft_last_error_message());

    recraft_job_free(job);
    recraft_client_free(client);
    return 0;
}
