/*
 * wait_any: crisp-upscale many images, at most MAX_IN_FLIGHT at a time, with
 * recraft_wait_any: no threads, no mutex, no condition variable.
 *
 *   wait_any BASE_URL OUTDIR IMAGE...
 *
 * BASE_URL is a sandbox (RECRAFT_PROVIDER and RECRAFT_API_KEY override "sandbox" and the
 * key), OUTDIR an existing directory the results are saved into, named after their
 * inputs ("my \"best\" photo.png" -> "my \"best\" photo.crisp-upscale.png"). Paths go
 * into the request through recraft_json_quote, so quotes and backslashes in them are
 * safe. Prints a line per image and a summary; exits 1 if any failed.
 *
 * Build: cc -std=c11 wait_any.c $(pkg-config --cflags --libs recraft)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define MAX_IN_FLIGHT 4

/* Submits images[index] and returns its job (exits on a refused submit). */
static recraft_job *submit(recraft_client *client, const char *image)
{
    char *quoted = NULL;
    recraft_status status = recraft_json_quote(image, &quoted);
    if (status != RECRAFT_OK) exit_with_error("recraft_json_quote", status);
    size_t size = strlen(quoted) + 64;
    char *request = malloc(size);
    if (!request) exit(1);
    snprintf(request, size, "{\"operation\": \"crisp_upscale\", \"image\": %s}", quoted);
    recraft_string_free(quoted);
    recraft_job *job = NULL;
    status = recraft_submit(client, request, &job);
    free(request);
    if (status != RECRAFT_OK) exit_with_error("recraft_submit", status);
    return job;
}

/* Saves the result as OUTDIR/<stem>.<ext>, the name the recraft command gives it. */
static int save(recraft_job *job, const char *image, const char *outdir)
{
    char *stem = NULL, *name = NULL;
    if (recraft_output_stem(image, "crisp_upscale", &stem) != RECRAFT_OK ||
        recraft_job_file_name(job, 0, stem, &name) != RECRAFT_OK) {
        recraft_string_free(stem);
        return -1;
    }
    size_t size = strlen(outdir) + strlen(name) + 2;
    char *path = malloc(size);
    int result = -1;
    if (path) {
        snprintf(path, size, "%s/%s", outdir, name);
        result = recraft_job_download(job, 0, path) == RECRAFT_OK ? 0 : -1;
        if (result == 0) printf("%s: saved %s\n", image, path);
        free(path);
    }
    recraft_string_free(stem);
    recraft_string_free(name);
    return result;
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

    recraft_job *slots[MAX_IN_FLIGHT] = { NULL };
    int slot_image[MAX_IN_FLIGHT];
    int next = 0, in_flight = 0, succeeded = 0, failed = 0;
    while (next < count || in_flight > 0) {
        /* Fill the free slots. */
        for (int i = 0; i < MAX_IN_FLIGHT && next < count; i++) {
            if (slots[i]) continue;
            slots[i] = submit(client, images[next]);
            slot_image[i] = next++;
            in_flight++;
        }
        /* Wait for any of them; a NULL slot is skipped. */
        size_t done = 0;
        status = recraft_wait_any(slots, MAX_IN_FLIGHT, -1, &done);
        if (status != RECRAFT_OK) exit_with_error("recraft_wait_any", status);
        recraft_job *job = slots[done];
        const char *image = images[slot_image[done]];
        recraft_state state;
        recraft_job_poll(job, &state);
        if (state == RECRAFT_STATE_SUCCEEDED && save(job, image, outdir) == 0) {
            succeeded++;
        } else {
            failed++;
            fprintf(stderr, "%s: failed: %s%s\n", image, recraft_job_error_message(job),
                    state == RECRAFT_STATE_SUCCEEDED ? recraft_last_error_message() : "");
        }
        recraft_job_free(job);
        slots[done] = NULL;
        in_flight--;
    }
    printf("%d succeeded, %d failed\n", succeeded, failed);
    recraft_client_free(client);
    return failed ? 1 : 0;
}
