/*
 * hostile: hostile input through the C boundary, each case in its own process.
 *
 *   hostile list                                          print the cases, one per line
 *   hostile all SANDBOX_URL RETRY_AFTER_URL INPUT_PNG WORKDIR [PARALLEL]
 *   hostile run INDEX SANDBOX_URL RETRY_AFTER_URL INPUT_PNG WORKDIR
 *
 * `all` runs every case as `hostile run INDEX ...` in a fresh process (fork + exec, at most
 * PARALLEL at once, default 4: most cases sleep on the network), and checks that it exits
 * normally: a case killed by a signal (SIGILL from a Swift trap, SIGSEGV, SIGABRT) crashed;
 * one that exits 3, or does not exit within 60 s, hung. Env RECRAFT_HOSTILE_ONLY=TEXT runs
 * only the cases whose name contains TEXT.
 *
 * The cases, table-driven:
 *   config/...       hostile values for the rate limits and every numeric key; the client
 *                    must be refused with RECRAFT_ERR_INVALID_CONFIG or created (and then a
 *                    job on it, with job_timeout_ms 10 s, must end within 30 s); a user_agent
 *                    with CR, LF or NUL and an empty webhook_secret must be refused.
 *   image/...        files whose headers claim absurd sizes (PNG IHDR 4294967295x4294967295,
 *                    JPEG SOF 65535x65535, WebP VP8X 16777216x16777216, ...) or are cut
 *                    short, submitted for crisp_upscale and remove_background to the sandbox
 *                    (Market limits) and to provider recraft (its pixel limits; a closed
 *                    port, so nothing is sent): RECRAFT_ERR_INVALID_INPUT or success, and an
 *                    accepted job must end within 30 s.
 *   callback/...     recraft_callback_handle on a client with webhook_secret: hostile
 *                    X-Webhook-Timestamp values, bodies nested 10 000 deep, 1 MB bodies:
 *                    an error code, within 5 s.
 *   retry_after/...  retry_after_server.py answers upload, createTask or recordInfo with 429
 *                    or 503 and a hostile Retry-After; provider kie, job_timeout_ms 3000,
 *                    max_retries 3: the job must end FAILED with an error within 13 s.
 *
 * A case prints one "result: ..." line; `all` prints "ok - NAME (ms): result" or
 * "not ok - NAME: why" with the case's output, then a summary; it exits 1 if any failed.
 * Cases end with _exit(), so a crash at exit (a separate bug, tested by exit.c) cannot
 * be taken for one of these.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "recraft.h"

#define MAX_CASES 600
#define CASE_DEADLINE_S 60       /* the driver kills a case after this: it hung */
#define JOB_END_MS 30000         /* an accepted job (sandbox, closed port) must end within this */
#define RA_JOB_TIMEOUT_MS 3000   /* job_timeout_ms of the retry_after clients */
#define RA_END_MS (RA_JOB_TIMEOUT_MS + 10000)
#define CALLBACK_QUICK_MS 5000   /* a hostile callback body must be refused within this */
#define EXIT_HUNG 3

enum kind { CONFIG, IMAGE, CALLBACK, RETRY_AFTER };
enum expect { ANY_OUTCOME, MUST_REFUSE };

struct hcase {
    enum kind kind;
    char name[200];
    /* CONFIG: key and a JSON token. CALLBACK: value is the timestamp header (body NULL), or body names a body. */
    const char *key, *value;
    enum expect expect;
    /* IMAGE */
    int image;
    const char *provider, *operation;
    /* CALLBACK */
    const char *body;
    /* RETRY_AFTER */
    const char *endpoint;
    int status;
};

static struct hcase cases[MAX_CASES];
static int case_count;
static const char *sandbox_url, *retry_after_url, *input_png, *workdir;

static struct hcase *add(enum kind kind)
{
    if (case_count == MAX_CASES) {
        fprintf(stderr, "too many cases\n");
        exit(2);
    }
    struct hcase *c = &cases[case_count++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    return c;
}

/* --- the images ------------------------------------------------------------------------ */

struct image {
    const char *name, *ext;
    unsigned char bytes[96];
    size_t size;
};

static void put_be32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v; }
static void put_be16(unsigned char *p, uint32_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static void put_le32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
static void put_le24(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); }

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

static void make_png(struct image *im, uint32_t width, uint32_t height)
{
    unsigned char *b = im->bytes;
    memcpy(b, png_signature, 8);
    put_be32(b + 8, 13);
    memcpy(b + 12, "IHDR", 4);
    put_be32(b + 16, width);
    put_be32(b + 20, height);
    b[24] = 8; b[25] = 6; b[26] = 0; b[27] = 0; b[28] = 0; /* depth, RGBA, deflate, filter, no interlace */
    put_be32(b + 29, 0);                                    /* a CRC (wrong, as a hostile file's may be) */
    put_be32(b + 33, 0);
    memcpy(b + 37, "IEND", 4);
    put_be32(b + 41, 0xAE426082);
    im->size = 45;
}

static void make_jpeg(struct image *im, uint32_t width, uint32_t height)
{
    static const unsigned char app0[] = {0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
    unsigned char *b = im->bytes;
    size_t n = 0;
    b[n++] = 0xFF; b[n++] = 0xD8;
    memcpy(b + n, app0, sizeof app0); n += sizeof app0;
    b[n++] = 0xFF; b[n++] = 0xC0;            /* SOF0 */
    put_be16(b + n, 17); n += 2;             /* length */
    b[n++] = 8;                              /* precision */
    put_be16(b + n, height); n += 2;
    put_be16(b + n, width); n += 2;
    b[n++] = 3;
    static const unsigned char components[] = {1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1};
    memcpy(b + n, components, sizeof components); n += sizeof components;
    b[n++] = 0xFF; b[n++] = 0xD9;
    im->size = n;
}

static void make_riff(struct image *im, const char *chunk, uint32_t chunk_size, size_t total)
{
    unsigned char *b = im->bytes;
    memset(b, 0, sizeof im->bytes);
    memcpy(b, "RIFF", 4);
    put_le32(b + 4, (uint32_t)total - 8);
    memcpy(b + 8, "WEBP", 4);
    memcpy(b + 12, chunk, 4);
    put_le32(b + 16, chunk_size);
    im->size = total;
}

enum { IMAGE_COUNT = 15 };

static void make_image(int which, struct image *im)
{
    memset(im, 0, sizeof *im);
    switch (which) {
    case 0: im->name = "png-4294967295x4294967295"; im->ext = "png"; make_png(im, 0xFFFFFFFFu, 0xFFFFFFFFu); break;
    case 1: im->name = "png-2147483648x2"; im->ext = "png"; make_png(im, 0x80000000u, 2); break;
    case 2: im->name = "png-0x0"; im->ext = "png"; make_png(im, 0, 0); break;
    case 3: im->name = "png-truncated-ihdr"; im->ext = "png"; make_png(im, 256, 256); im->size = 18; break;
    case 4: im->name = "png-signature-only"; im->ext = "png"; memcpy(im->bytes, png_signature, 8); im->size = 8; break;
    case 5: im->name = "jpeg-65535x65535"; im->ext = "jpg"; make_jpeg(im, 65535, 65535); break;
    case 6: im->name = "jpeg-height-0"; im->ext = "jpg"; make_jpeg(im, 100, 0); break;
    case 7: im->name = "jpeg-truncated-sof"; im->ext = "jpg"; make_jpeg(im, 300, 300); im->size = 26; break;
    case 8: /* a segment whose length runs far past the end of the file */
        im->name = "jpeg-segment-past-end"; im->ext = "jpg";
        memcpy(im->bytes, (const unsigned char[]){0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}, 6);
        memset(im->bytes + 6, 0xAB, 26); im->size = 32; break;
    case 9: /* VP8X: 24-bit width-1 and height-1 fields at their maximum */
        im->name = "webp-vp8x-16777216x16777216"; im->ext = "webp";
        make_riff(im, "VP8X", 10, 30);
        put_le24(im->bytes + 24, 0xFFFFFF); put_le24(im->bytes + 27, 0xFFFFFF); break;
    case 10: /* VP8L: 14-bit width-1 and height-1 at their maximum: 16384x16384 */
        im->name = "webp-vp8l-16384x16384"; im->ext = "webp";
        make_riff(im, "VP8L", 5, 32);
        im->bytes[20] = 0x2F; memset(im->bytes + 21, 0xFF, 4); break;
    case 11: /* VP8: 14-bit sides at their maximum (scale bits set too) */
        im->name = "webp-vp8-16383x16383"; im->ext = "webp";
        make_riff(im, "VP8 ", 10, 32);
        im->bytes[23] = 0x9D; im->bytes[24] = 0x01; im->bytes[25] = 0x2A;
        memset(im->bytes + 26, 0xFF, 4); break;
    case 12: im->name = "webp-vp8x-truncated"; im->ext = "webp"; make_riff(im, "VP8X", 10, 30); im->size = 22; break;
    case 13: im->name = "webp-vp8-0x0"; im->ext = "webp";
        make_riff(im, "VP8 ", 10, 32);
        im->bytes[23] = 0x9D; im->bytes[24] = 0x01; im->bytes[25] = 0x2A; break;
    case 14: im->name = "webp-riff-only"; im->ext = "webp"; make_riff(im, "VP8X", 10, 30); im->size = 12; break;
    default: break;
    }
}

/* --- the table ------------------------------------------------------------------------- */

static const char *const rate_limits[] = {
    "1/9999999999999999s", "9999999999999999999/1s", "1/99999999999999999999ms", "-1/s", "1/0s",
    /* beyond the brief: the other units at their edges */
    "1/9999999999999999m", "1/9223372036854775807ms", "9223372036854775807/9223372036854775807ms",
};
static const char *const numeric_keys[] = {
    "timeout_ms", "job_timeout_ms", "connect_timeout_ms", "stall_timeout_ms", "poll_initial_ms", "poll_max_ms",
    "max_retries", "max_response_bytes", "max_download_bytes",
};
/* JSON tokens. */
static const char *const numeric_values[] = {
    "1e308", "-1e308", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1.5", "1e19",
    "\"NaN\"", "0", "-1",
};
static const char *const timestamps[] = {
    "-9223372036854775808", "9223372036854775807", "-9223372036854775807", "99999999999999999999", "", " 1", "+1",
};
static const char *const bodies[] = {
    "deep-array-10000", "deep-object-10000", "deep-array-in-data-10000", "unclosed-array-1MB",
    "1MB-object", "1MB-array",
};
static const char *const retry_after_values[] = {
    "99999999999999999999", "9223372036854775807", "99999999999", "-1", "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sun, 06 Nov 99999999999 08:49:37 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
};
static const char *const endpoints[] = {"upload", "create", "poll"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void build_table(void)
{
    struct hcase *c;
    for (size_t k = 0; k < 2; k++) {
        const char *key = k == 0 ? "submit_rate_limit" : "poll_rate_limit";
        for (size_t i = 0; i < COUNT(rate_limits); i++) {
            c = add(CONFIG);
            c->key = key;
            static char tokens[2][COUNT(rate_limits)][64];
            snprintf(tokens[k][i], sizeof tokens[k][i], "\"%s\"", rate_limits[i]);
            c->value = tokens[k][i];
            snprintf(c->name, sizeof c->name, "config/%s=%s", key, rate_limits[i]);
        }
    }
    for (size_t k = 0; k < COUNT(numeric_keys); k++) {
        for (size_t i = 0; i < COUNT(numeric_values); i++) {
            c = add(CONFIG);
            c->key = numeric_keys[k];
            c->value = numeric_values[i];
            snprintf(c->name, sizeof c->name, "config/%s=%s", numeric_keys[k], numeric_values[i]);
        }
    }
    static const char *const user_agents[][2] = {
        {"\"\\r\\nX-Injected: 1\"", "\\r\\nX-Injected: 1"},
        {"\"ok\\r\\nX-Injected: 1\"", "ok\\r\\nX-Injected: 1"},
        {"\"ok\\nX-Injected: 1\"", "ok\\nX-Injected: 1"},
        {"\"ok\\rX-Injected: 1\"", "ok\\rX-Injected: 1"},
        {"\"ok\\u0000X\"", "ok\\u0000X"},
    };
    for (size_t i = 0; i < COUNT(user_agents); i++) {
        c = add(CONFIG);
        c->key = "user_agent";
        c->value = user_agents[i][0];
        c->expect = MUST_REFUSE;
        snprintf(c->name, sizeof c->name, "config/user_agent=%s (must be refused)", user_agents[i][1]);
    }
    c = add(CONFIG);
    c->key = "webhook_secret";
    c->value = "\"\"";
    c->expect = MUST_REFUSE;
    snprintf(c->name, sizeof c->name, "config/webhook_secret=\"\" (must be refused)");

    static const char *const providers[] = {"sandbox", "recraft"};
    static const char *const operations[] = {"crisp_upscale", "remove_background"};
    for (int i = 0; i < IMAGE_COUNT; i++) {
        struct image im;
        make_image(i, &im);
        for (size_t p = 0; p < COUNT(providers); p++) {
            for (size_t o = 0; o < COUNT(operations); o++) {
                c = add(IMAGE);
                c->image = i;
                c->provider = providers[p];
                c->operation = operations[o];
                snprintf(c->name, sizeof c->name, "image/%s/%s/%s", im.name, providers[p], operations[o]);
            }
        }
    }

    for (size_t i = 0; i < COUNT(timestamps); i++) {
        c = add(CALLBACK);
        c->value = timestamps[i];
        snprintf(c->name, sizeof c->name, "callback/X-Webhook-Timestamp=\"%s\"", timestamps[i]);
    }
    for (size_t i = 0; i < COUNT(bodies); i++) {
        c = add(CALLBACK);
        c->body = bodies[i];
        c->value = "0";
        snprintf(c->name, sizeof c->name, "callback/body=%s", bodies[i]);
    }

    for (size_t e = 0; e < COUNT(endpoints); e++) {
        for (int s = 0; s < 2; s++) {
            for (size_t i = 0; i < COUNT(retry_after_values); i++) {
                c = add(RETRY_AFTER);
                c->endpoint = endpoints[e];
                c->status = s == 0 ? 429 : 503;
                c->value = retry_after_values[i];
                snprintf(c->name, sizeof c->name, "retry_after/%s/%d/Retry-After: %s", endpoints[e], c->status,
                         retry_after_values[i]);
            }
        }
    }
}

/* --- one case (in its own process) --------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static const char *state_name(recraft_state state)
{
    switch (state) {
    case RECRAFT_STATE_PENDING: return "pending";
    case RECRAFT_STATE_RUNNING: return "running";
    case RECRAFT_STATE_SUCCEEDED: return "succeeded";
    case RECRAFT_STATE_FAILED: return "failed";
    case RECRAFT_STATE_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

/* Prints the result line and ends the process without running exit handlers. */
static void finish(int code, const char *format, ...) __attribute__((format(printf, 2, 3), noreturn));
static void finish(int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("result: ", stdout);
    vprintf(format, args);
    fputc('\n', stdout);
    va_end(args);
    fflush(stdout);
    fflush(stderr);
    _exit(code);
}

/* At most 200 bytes of s, on one line. */
static const char *brief(const char *s)
{
    static char out[4][240];
    static int next;
    char *o = out[next++ % 4];
    size_t n = 0;
    for (; *s && n < 200; s++) o[n++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
    if (*s) { memcpy(o + n, "...", 3); n += 3; }
    o[n] = '\0';
    return o;
}

/* Submits request on client and waits up to end_ms. Returns the final state, or
 * finishes the process with EXIT_HUNG when the job has not ended. */
static recraft_state run_job_to_end(recraft_client *client, const char *request, int64_t end_ms, recraft_job **job_out,
                                    recraft_status *submit_status, double *took)
{
    double started = now_ms();
    *job_out = NULL;
    *submit_status = recraft_submit(client, request, job_out);
    if (*submit_status != RECRAFT_OK) return RECRAFT_STATE_FAILED;
    recraft_state state = RECRAFT_STATE_PENDING;
    recraft_status status = recraft_job_wait(*job_out, end_ms, &state);
    *took = now_ms() - started;
    if (status != RECRAFT_OK) finish(1, "recraft_job_wait returned %s: %s", recraft_status_name(status), recraft_last_error_message());
    if (state == RECRAFT_STATE_PENDING || state == RECRAFT_STATE_RUNNING) {
        char *json = recraft_job_json(*job_out);
        finish(EXIT_HUNG, "HUNG: the job is still %s after %.0f ms (limit %lld ms): %s", state_name(state), *took,
               (long long)end_ms, json ? brief(json) : "");
    }
    return state;
}

static void run_config(const struct hcase *c)
{
    char config[1024], request[2048];
    /* A job on an accepted config must end by its deadline: job_timeout_ms 10 s, unless
     * that is the key under test (then the default, 15 min, and the job is expected to
     * succeed well before JOB_END_MS). */
    int own_deadline = strcmp(c->key, "job_timeout_ms") != 0;
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"k\", \"%s\": %s%s}",
             sandbox_url, c->key, c->value, own_deadline ? ", \"job_timeout_ms\": 10000" : "");
    recraft_client *client = NULL;
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) {
        const char *message = recraft_last_error_message();
        int ok = status == RECRAFT_ERR_INVALID_CONFIG && message[0] != '\0';
        finish(ok ? 0 : 1, "refused: %s (%d): %s%s", recraft_status_name(status), (int)status, brief(message),
               ok ? "" : " [expected RECRAFT_ERR_INVALID_CONFIG with a message]");
    }
    if (c->expect == MUST_REFUSE) {
        recraft_client_free(client);
        finish(1, "ACCEPTED: the client was created; this value must be refused with RECRAFT_ERR_INVALID_CONFIG");
    }
    /* Accepted: a job on it must still end. */
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", input_png);
    recraft_job *job;
    recraft_status submitted;
    double took = 0;
    recraft_state state = run_job_to_end(client, request, JOB_END_MS, &job, &submitted, &took);
    if (submitted != RECRAFT_OK) {
        finish(0, "accepted; submit refused: %s: %s", recraft_status_name(submitted), brief(recraft_last_error_message()));
    }
    finish(0, "accepted; the job ended %s in %.0f ms%s%s", state_name(state), took,
           state == RECRAFT_STATE_FAILED ? ": " : "", state == RECRAFT_STATE_FAILED ? brief(recraft_job_error_message(job)) : "");
}

static void run_image(const struct hcase *c, int index)
{
    struct image im;
    make_image(c->image, &im);
    char path[1024], config[1024], request[2048];
    snprintf(path, sizeof path, "%s/image-%d.%s", workdir, index, im.ext);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(im.bytes, 1, im.size, f) != im.size || fclose(f) != 0) finish(1, "cannot write %s", path);
    if (strcmp(c->provider, "sandbox") == 0) {
        snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"k\", "
                 "\"job_timeout_ms\": 20000}", sandbox_url);
    } else {
        /* A closed port: an accepted job fails with a network error, and nothing is sent anywhere. */
        snprintf(config, sizeof config, "{\"provider\": \"%s\", \"base_url\": \"http://127.0.0.1:9/v1\", \"api_key\": \"k\", "
                 "\"job_timeout_ms\": 20000, \"max_retries\": 0}", c->provider);
    }
    recraft_client *client = NULL;
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) finish(1, "setup: recraft_client_new: %s", recraft_last_error_message());
    snprintf(request, sizeof request, "{\"operation\": \"%s\", \"image\": \"%s\"}", c->operation, path);
    recraft_job *job;
    recraft_status submitted;
    double took = 0;
    recraft_state state = run_job_to_end(client, request, JOB_END_MS, &job, &submitted, &took);
    if (submitted != RECRAFT_OK) {
        const char *message = recraft_last_error_message();
        int ok = (submitted == RECRAFT_ERR_INVALID_INPUT || submitted == RECRAFT_ERR_UNSUPPORTED) && message[0] != '\0';
        finish(ok ? 0 : 1, "refused: %s (%d): %s%s", recraft_status_name(submitted), (int)submitted, brief(message),
               ok ? "" : " [expected RECRAFT_ERR_INVALID_INPUT]");
    }
    finish(0, "accepted; the job ended %s in %.0f ms%s%s", state_name(state), took,
           state == RECRAFT_STATE_FAILED ? ": " : "", state == RECRAFT_STATE_FAILED ? brief(recraft_job_error_message(job)) : "");
}

static char *make_body(const char *which)
{
    const size_t mb = 1u << 20;
    char *b = malloc(mb + 256);
    if (b == NULL) finish(1, "out of memory");
    size_t n = 0;
    if (strcmp(which, "deep-array-10000") == 0) {
        for (int i = 0; i < 10000; i++) b[n++] = '[';
        for (int i = 0; i < 10000; i++) b[n++] = ']';
    } else if (strcmp(which, "deep-object-10000") == 0) {
        for (int i = 0; i < 10000; i++) { memcpy(b + n, "{\"data\":", 8); n += 8; }
        b[n++] = '{'; b[n++] = '}';
        for (int i = 0; i < 10000; i++) b[n++] = '}';
    } else if (strcmp(which, "deep-array-in-data-10000") == 0) {
        n += (size_t)sprintf(b, "{\"code\":200,\"data\":{\"taskId\":\"cb-task\",\"state\":\"success\",\"resultJson\":");
        for (int i = 0; i < 10000; i++) b[n++] = '[';
        for (int i = 0; i < 10000; i++) b[n++] = ']';
        b[n++] = '}'; b[n++] = '}';
    } else if (strcmp(which, "unclosed-array-1MB") == 0) {
        memset(b, '[', mb); n = mb;
    } else if (strcmp(which, "1MB-object") == 0) {
        n += (size_t)sprintf(b, "{\"code\":200,\"data\":{\"taskId\":\"cb-task\",\"state\":\"success\",\"pad\":\"");
        memset(b + n, 'x', mb); n += mb;
        n += (size_t)sprintf(b + n, "\"}}");
    } else { /* 1MB-array */
        b[n++] = '[';
        while (n < mb) { b[n++] = '0'; b[n++] = ','; }
        b[n++] = '0'; b[n++] = ']';
    }
    b[n] = '\0';
    return b;
}

static void run_callback(const struct hcase *c)
{
    char config[1024], headers[512];
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"k\", "
             "\"webhook_secret\": \"hostile-test-secret\"}", sandbox_url);
    recraft_client *client = NULL;
    if (recraft_client_new(config, &client) != RECRAFT_OK) finish(1, "setup: recraft_client_new: %s", recraft_last_error_message());
    char *body;
    if (c->body != NULL) {
        body = make_body(c->body);
    } else {
        body = strdup("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"cb-task\",\"state\":\"success\","
                      "\"resultJson\":\"{\\\"resultUrls\\\":[\\\"https://files.example.invalid/r.png\\\"]}\"}}");
    }
    /* A signature that cannot match: only a crash, a hang or success would be wrong. */
    snprintf(headers, sizeof headers, "{\"X-Webhook-Timestamp\": \"%s\", \"X-Webhook-Signature\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
             c->value);
    char *result = NULL;
    double started = now_ms();
    recraft_status status = recraft_callback_handle(client, body, headers, &result);
    double took = now_ms() - started;
    if (status == RECRAFT_OK) {
        finish(1, "ACCEPTED in %.0f ms (expected an error): %s", took, result ? brief(result) : "");
    }
    const char *message = recraft_last_error_message();
    int quick = took <= CALLBACK_QUICK_MS;
    finish(quick && message[0] != '\0' ? 0 : 1, "refused in %.0f ms: %s (%d): %s%s", took, recraft_status_name(status),
           (int)status, brief(message), quick ? "" : " [too slow: must return within 5 s]");
}

static void run_retry_after(const struct hcase *c)
{
    char hex[256] = "", base[1024], config[4096], request[2048];
    for (size_t i = 0; c->value[i] && 2 * i + 2 < sizeof hex; i++) sprintf(hex + 2 * i, "%02x", (unsigned char)c->value[i]);
    if (hex[0] == '\0') strcpy(hex, "20");
    snprintf(base, sizeof base, "%s/ra/%s/%d/%s", retry_after_url, c->endpoint, c->status, hex);
    snprintf(config, sizeof config, "{\"provider\": \"kie\", \"api_key\": \"k\", \"base_url\": \"%s\", \"upload_url\": \"%s\", "
             "\"job_timeout_ms\": %d, \"max_retries\": 3}", base, base, RA_JOB_TIMEOUT_MS);
    recraft_client *client = NULL;
    if (recraft_client_new(config, &client) != RECRAFT_OK) finish(1, "setup: recraft_client_new: %s", recraft_last_error_message());
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", input_png);
    recraft_job *job;
    recraft_status submitted;
    double took = 0;
    recraft_state state = run_job_to_end(client, request, RA_END_MS, &job, &submitted, &took);
    if (submitted != RECRAFT_OK) finish(1, "setup: recraft_submit: %s", recraft_last_error_message());
    recraft_status code = recraft_job_error_code(job);
    const char *message = recraft_job_error_message(job);
    int ok = state == RECRAFT_STATE_FAILED && code != RECRAFT_OK && message[0] != '\0';
    finish(ok ? 0 : 1, "the job ended %s in %.0f ms with %s: %s%s", state_name(state), took, recraft_status_name(code),
           brief(message), ok ? "" : " [expected FAILED with an error]");
}

static void run_case(int index)
{
    const struct hcase *c = &cases[index];
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("case %d: %s\n", index, c->name);
    switch (c->kind) {
    case CONFIG: run_config(c); break;
    case IMAGE: run_image(c, index); break;
    case CALLBACK: run_callback(c); break;
    case RETRY_AFTER: run_retry_after(c); break;
    }
    finish(1, "the case did not finish");
}

/* --- the driver ------------------------------------------------------------------------- */

struct running {
    pid_t pid;
    int index;
    double started;
    int killed;
};

enum outcome { PASSED, WRONG, CRASHED, HUNG };
static int outcome_of[MAX_CASES];
static char reason_of[MAX_CASES][200];

static void log_path(char *out, size_t size, int index) { snprintf(out, size, "%s/case-%d.log", workdir, index); }

/* The case's "result:" line (or its last line), and any "Fatal error" line of the runtime. */
static void read_log(int index, char *result, size_t result_size, char *fatal, size_t fatal_size)
{
    char path[1100], line[4096];
    log_path(path, sizeof path, index);
    result[0] = fatal[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "result: ", 8) == 0) snprintf(result, result_size, "%s", line + 8);
        else if (strstr(line, "Fatal error") || strstr(line, "fatal error")) snprintf(fatal, fatal_size, "%s", brief(line));
    }
    fclose(f);
}

static void report_case(int index, int status, int killed, double took)
{
    char result[1024], fatal[300];
    read_log(index, result, sizeof result, fatal, sizeof fatal);
    const char *name = cases[index].name;
    if (killed) {
        outcome_of[index] = HUNG;
        snprintf(reason_of[index], sizeof reason_of[index], "did not exit within %d s", CASE_DEADLINE_S);
    } else if (WIFSIGNALED(status)) {
        outcome_of[index] = CRASHED;
        snprintf(reason_of[index], sizeof reason_of[index], "killed by signal %d (SIG%s)", WTERMSIG(status),
                 WTERMSIG(status) == SIGILL ? "ILL" : WTERMSIG(status) == SIGSEGV ? "SEGV" : WTERMSIG(status) == SIGABRT ? "ABRT"
                 : WTERMSIG(status) == SIGTRAP ? "TRAP" : WTERMSIG(status) == SIGBUS ? "BUS" : WTERMSIG(status) == SIGFPE ? "FPE" : "?");
    } else if (WEXITSTATUS(status) == EXIT_HUNG) {
        outcome_of[index] = HUNG;
        snprintf(reason_of[index], sizeof reason_of[index], "the job did not end in time");
    } else if (WEXITSTATUS(status) != 0) {
        outcome_of[index] = WRONG;
        snprintf(reason_of[index], sizeof reason_of[index], "exit status %d", WEXITSTATUS(status));
    } else {
        outcome_of[index] = PASSED;
    }
    if (outcome_of[index] == PASSED) {
        printf("ok - %s (%.0f ms): %s\n", name, took, result);
    } else {
        printf("not ok - %s: %s after %.0f ms%s%s%s%s\n", name, reason_of[index], took, result[0] ? ": " : "", result,
               fatal[0] ? " | " : "", fatal);
    }
    fflush(stdout);
}

static int drive(const char *self, int parallel)
{
    const char *only = getenv("RECRAFT_HOSTILE_ONLY");
    struct running slots[16];
    int used = 0, next = 0, selected = 0;
    double started_all = now_ms();
    if (parallel < 1) parallel = 1;
    if (parallel > 16) parallel = 16;
    for (int i = 0; i < case_count; i++) outcome_of[i] = -1;
    for (;;) {
        while (used < parallel && next < case_count) {
            int index = next++;
            if (only != NULL && only[0] != '\0' && strstr(cases[index].name, only) == NULL) continue;
            selected++;
            char path[1100], index_text[16];
            log_path(path, sizeof path, index);
            snprintf(index_text, sizeof index_text, "%d", index);
            fflush(stdout);
            pid_t pid = fork();
            if (pid < 0) { perror("fork"); return 2; }
            if (pid == 0) {
                if (freopen(path, "w", stdout) == NULL || dup2(fileno(stdout), STDERR_FILENO) < 0) _exit(2);
                execl(self, self, "run", index_text, sandbox_url, retry_after_url, input_png, workdir, (char *)NULL);
                perror("execl");
                _exit(2);
            }
            slots[used++] = (struct running){pid, index, now_ms(), 0};
        }
        if (used == 0) break;
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (int s = 0; s < used; s++) {
                if (slots[s].pid != pid) continue;
                report_case(slots[s].index, status, slots[s].killed, now_ms() - slots[s].started);
                slots[s] = slots[--used];
                break;
            }
            continue;
        }
        if (pid < 0 && errno != EINTR) { perror("waitpid"); return 2; }
        double now = now_ms();
        for (int s = 0; s < used; s++) {
            if (!slots[s].killed && now - slots[s].started > CASE_DEADLINE_S * 1000.0) {
                kill(slots[s].pid, SIGKILL);
                slots[s].killed = 1;
            }
        }
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }

    int counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < case_count; i++) if (outcome_of[i] >= 0) counts[outcome_of[i]]++;
    printf("\nhostile: %d cases in %.0f s: %d passed, %d crashed, %d hung, %d wrong result\n", selected,
           (now_ms() - started_all) / 1000.0, counts[PASSED], counts[CRASHED], counts[HUNG], counts[WRONG]);
    static const int order[] = {CRASHED, HUNG, WRONG};
    static const char *const titles[] = {"", "wrong result", "CRASHED", "HUNG"};
    for (size_t k = 0; k < COUNT(order); k++) {
        int o = order[k];
        if (counts[o] == 0) continue;
        printf("%s (%d):\n", titles[o], counts[o]);
        for (int i = 0; i < case_count; i++)
            if (outcome_of[i] == o) printf("    %s: %s\n", cases[i].name, reason_of[i]);
    }
    return counts[PASSED] == selected ? 0 : 1;
}

int main(int argc, char **argv)
{
    build_table();
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (int i = 0; i < case_count; i++) printf("%d %s\n", i, cases[i].name);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "run") == 0) {
        int index = atoi(argv[2]);
        if (index < 0 || index >= case_count) return 2;
        sandbox_url = argv[3]; retry_after_url = argv[4]; input_png = argv[5]; workdir = argv[6];
        run_case(index);
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "all") == 0) {
        sandbox_url = argv[2]; retry_after_url = argv[3]; input_png = argv[4]; workdir = argv[5];
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) { perror("readlink /proc/self/exe"); return 2; }
        self[n] = '\0';
        return drive(self, argc == 7 ? atoi(argv[6]) : 4);
    }
    fprintf(stderr, "usage: hostile list | all SANDBOX_URL RETRY_AFTER_URL INPUT_PNG WORKDIR [PARALLEL] |"
                    " run INDEX SANDBOX_URL RETRY_AFTER_URL INPUT_PNG WORKDIR\n");
    return 2;
}
