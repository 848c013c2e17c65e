/*
 * upscale: crisp-upscale a local image through a provider and save the result.
 *
 *   upscale BASE_URL INPUT OUTPUT [PROVIDER]
 *
 * BASE_URL is the provider's address (the sandbox prints its own when it starts),
 * INPUT a local PNG/JPEG/WebP file, OUTPUT a file path or an existing directory.
 * PROVIDER defaults to "sandbox"; the API key comes from RECRAFT_API_KEY, else from
 * the provider's own environment variable (KIE_API_KEY, ...).
 *
 * Build: cc -std=c11 upscale.c $(pkg-config --cflags --libs recraft)
 *    or, in the source tree: cc -std=c11 -Iinclude upscale.c -Lout/lib -lrecraft -Wl,-rpath,out/lib
 */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s BASE_URL INPUT OUTPUT [PROVIDER]\n", argv[0]);
        return 2;
    }
    const char *provider = argc == 5 ? argv[4] : "sandbox";
    const char *api_key = getenv("RECRAFT_API_KEY");
    char base_url[2048], input[4096], key[1024], name[64], config[4096], request[4200];
    if (json_string(base_url, sizeof base_url, argv[1]) || json_string(input, sizeof input, argv[2]) ||
        json_string(name, sizeof name, provider) ||
        json_string(key, sizeof key, api_key ? api_key : "")) {
        fprintf(stderr, "error: an argument is too long\n");
        return 2;
    }
    if (api_key)
        snprintf(config, sizeof config, "{\"provider\": %s, \"base_url\": %s, \"api_key\": %s}", name, base_url, key);
    else
        snprintf(config, sizeof config, "{\"provider\": %s, \"base_url\": %s}", name, base_url);
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": %s}", input);

    recraft_client *client = NULL;
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) exit_with_error("recraft_client_new", status);

    recraft_job *job = NULL;
    status = recraft_submit(client, request, &job);
    if (status != RECRAFT_OK) exit_with_error("recraft_submit", status);

    recraft_state state = RECRAFT_STATE_PENDING;
    status = recraft_job_wait(job, -1, &state);
    if (status != RECRAFT_OK) exit_with_error("recraft_job_wait", status);
    if (state != RECRAFT_STATE_SUCCEEDED) {
        recraft_status why = recraft_job_error_code(job);
        fprintf(stderr, "error: job %s ended %s: %s (%d): %s\n",
                recraft_job_id(job) ? recraft_job_id(job) : "(no id)",
                state == RECRAFT_STATE_CANCELLED ? "cancelled" : "failed",
                recraft_status_name(why), (int)why, recraft_job_error_message(job));
        recraft_job_free(job);
        recraft_client_free(client);
        return 1;
    }

    status = recraft_job_download(job, 0, argv[3]);
    if (status != RECRAFT_OK) exit_with_error("recraft_job_download", status);

    printf("job %s succeeded\n", recraft_job_id(job));
    printf("result: %s\n", recraft_job_result_url(job, 0));
    printf("saved to %s\n", argv[3]);

    recraft_job_free(job);
    recraft_client_free(client);
    return 0;
}
