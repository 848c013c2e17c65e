/* lib_bench: the library's side of the benchmarks, through the C API of librecraft.so,
 * written the way the README tells a C user to: submit, completion callbacks, hand the
 * downloads to a few threads of our own. Each subcommand prints one JSON object on stdout.
 *
 *   lib_bench throughput CONFIG N IMAGE_URL OUTDIR [DOWNLOADERS]
 *       N crisp upscales submitted at once; each result downloaded into OUTDIR.
 *   lib_bench limit CONFIG N OPERATION IMAGE_URL
 *       N jobs submitted at once, waited for; per-job end times and task ids.
 *   lib_bench poll CONFIG N IMAGE_URL PHASES CALLBACK
 *       For each phase named in PHASES ("cold,steady"), N jobs at once on one client, a
 *       thread per job in recraft_job_wait; CALLBACK=1 runs a callback receiver and
 *       passes its URL as callback_url.
 *   lib_bench upload CONFIG FILE WARMUP_FILE
 *       Submits FILE (a local path: the library uploads it) and times the upload, after
 *       one job on WARMUP_FILE. Peak memory is the peak during the transfer (VmHWM reset).
 *   lib_bench download CONFIG IMAGE_URL DEST
 *       Runs one job, then times recraft_job_download of its result to DEST.
 *   lib_bench startup CONFIG
 *       Times the process's first and second recraft_client_new.
 *   lib_bench overhead CONFIG IMAGE_URL ITERATIONS
 *       ns per call of recraft_job_poll and recraft_version (no I/O).
 */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <recraft.h>
#include <sys/socket.h>
#include <sys/stat.h>

static recraft_client *new_client(const char *config) {
    recraft_client *client = NULL;
    if (recraft_client_new(config, &client) != RECRAFT_OK) die("recraft_client_new", recraft_last_error_message());
    return client;
}

static recraft_job *submit(recraft_client *client, const char *operation, const char *image, const char *callback_url) {
    char request[4096];
    if (callback_url)
        snprintf(request, sizeof request, "{\"operation\": \"%s\", \"image\": \"%s\", \"callback_url\": \"%s\"}", operation, image, callback_url);
    else
        snprintf(request, sizeof request, "{\"operation\": \"%s\", \"image\": \"%s\"}", operation, image);
    recraft_job *job = NULL;
    if (recraft_submit(client, request, &job) != RECRAFT_OK) die("recraft_submit", recraft_last_error_message());
    return job;
}

/* The number after "key": in a JSON text, or -1. */
static double json_number(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = json ? strstr(json, pattern) : NULL;
    if (!at) return -1;
    at += strlen(pattern);
    while (*at == ' ') at++;
    return strtod(at, NULL);
}

static int job_polls(recraft_job *job) {
    char *json = recraft_job_json(job);
    int polls = (int)json_number(json, "polls");
    recraft_string_free(json);
    return polls;
}

/* ------------------------------------------------------------------ completion queue */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int *items;
    int head, tail;
    int finished, ok, failed;
    int total;
} work_queue;

static work_queue queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, 0, 0, 0};
static recraft_job **jobs;
static recraft_state *final_states;
static double *end_ms;
static const char *out_dir;
static char first_error[512];

/* Completion callback: runs on the library's callback thread; only queues the job. */
static void on_complete(recraft_job *job, recraft_state state, void *user_data) {
    (void)job;
    int index = (int)(intptr_t)user_data;
    final_states[index] = state;
    end_ms[index] = epoch_ms();
    pthread_mutex_lock(&queue.lock);
    queue.items[queue.tail++] = index;
    pthread_cond_broadcast(&queue.changed);
    pthread_mutex_unlock(&queue.lock);
}

static void note_error(const char *message) {
    pthread_mutex_lock(&queue.lock);
    if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", message);
    pthread_mutex_unlock(&queue.lock);
}

/* Downloader thread: takes ended jobs off the queue and downloads their result. */
static void *downloader(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&queue.lock);
        while (queue.head == queue.tail && queue.finished < queue.total) pthread_cond_wait(&queue.changed, &queue.lock);
        if (queue.head == queue.tail) { pthread_mutex_unlock(&queue.lock); return NULL; }
        int index = queue.items[queue.head++];
        pthread_mutex_unlock(&queue.lock);

        int good = 0;
        if (final_states[index] == RECRAFT_STATE_SUCCEEDED) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%d.png", out_dir, index);
            if (recraft_job_download(jobs[index], 0, path) == RECRAFT_OK) good = 1;
            else note_error(recraft_last_error_message());
        } else {
            note_error(recraft_job_error_message(jobs[index]));
        }
        pthread_mutex_lock(&queue.lock);
        queue.finished++;
        if (good) queue.ok++; else queue.failed++;
        pthread_cond_broadcast(&queue.changed);
        pthread_mutex_unlock(&queue.lock);
    }
}

static void allocate(int n) {
    jobs = calloc((size_t)n, sizeof *jobs);
    final_states = calloc((size_t)n, sizeof *final_states);
    end_ms = calloc((size_t)n, sizeof *end_ms);
    queue.items = calloc((size_t)n, sizeof *queue.items);
    queue.total = n;
    if (!jobs || !final_states || !end_ms || !queue.items) die("calloc", "out of memory");
}

static int cmd_throughput(int argc, char **argv) {
    if (argc < 6) die("usage", "throughput CONFIG N IMAGE_URL OUTDIR [DOWNLOADERS]");
    const char *config = argv[2];
    int n = atoi(argv[3]);
    const char *image = argv[4];
    out_dir = argv[5];
    int downloaders = argc > 6 ? atoi(argv[6]) : 4;
    allocate(n);

    sampler s;
    sampler_start(&s);
    double cpu0 = cpu_s(), t0 = now_s();
    recraft_client *client = new_client(config);
    pthread_t *threads = calloc((size_t)downloaders, sizeof *threads);
    for (int i = 0; i < downloaders; i++) pthread_create(&threads[i], NULL, downloader, NULL);
    for (int i = 0; i < n; i++) {
        jobs[i] = submit(client, "crisp_upscale", image, NULL);
        if (recraft_job_on_complete(jobs[i], on_complete, (void *)(intptr_t)i) != RECRAFT_OK)
            die("recraft_job_on_complete", recraft_last_error_message());
    }
    double submitted = now_s() - t0;
    for (int i = 0; i < downloaders; i++) pthread_join(threads[i], NULL);
    double wall = now_s() - t0, cpu = cpu_s() - cpu0;
    sampler_stop(&s);
    int polls = 0;
    for (int i = 0; i < n; i++) { polls += job_polls(jobs[i]); recraft_job_free(jobs[i]); }
    recraft_client_free(client);

    printf("{\"n\": %d, \"ok\": %d, \"failed\": %d, \"wall_s\": %.4f, \"submit_s\": %.4f, \"cpu_s\": %.4f, "
           "\"peak_rss_kb\": %ld, \"max_threads\": %ld, \"polls\": %d, \"first_error\": ",
           n, queue.ok, queue.failed, wall, submitted, cpu, peak_rss_kb(), atomic_load(&s.max_threads), polls);
    json_string(stdout, first_error);
    printf("}\n");
    return queue.failed ? 1 : 0;
}

/* ------------------------------------------------------------------ limit */

static void on_complete_count(recraft_job *job, recraft_state state, void *user_data) {
    (void)job;
    int index = (int)(intptr_t)user_data;
    final_states[index] = state;
    end_ms[index] = epoch_ms();
    pthread_mutex_lock(&queue.lock);
    queue.finished++;
    if (state == RECRAFT_STATE_SUCCEEDED) queue.ok++; else queue.failed++;
    pthread_cond_broadcast(&queue.changed);
    pthread_mutex_unlock(&queue.lock);
}

static int cmd_limit(int argc, char **argv) {
    if (argc < 6) die("usage", "limit CONFIG N OPERATION IMAGE_URL");
    const char *config = argv[2];
    int n = atoi(argv[3]);
    const char *operation = argv[4], *image = argv[5];
    allocate(n);
    double t0 = now_s(), start_ms = epoch_ms();
    recraft_client *client = new_client(config);
    for (int i = 0; i < n; i++) {
        jobs[i] = submit(client, operation, image, NULL);
        recraft_job_on_complete(jobs[i], on_complete_count, (void *)(intptr_t)i);
    }
    pthread_mutex_lock(&queue.lock);
    while (queue.finished < n) pthread_cond_wait(&queue.changed, &queue.lock);
    pthread_mutex_unlock(&queue.lock);
    double wall = now_s() - t0;
    printf("{\"n\": %d, \"ok\": %d, \"failed\": %d, \"wall_s\": %.4f, \"start_ms\": %.1f, \"jobs\": [", n, queue.ok, queue.failed, wall, start_ms);
    for (int i = 0; i < n; i++) {
        const char *id = recraft_job_id(jobs[i]);
        printf("%s{\"id\": ", i ? ", " : "");
        json_string(stdout, id ? id : "");
        printf(", \"end_ms\": %.1f, \"state\": %d, \"polls\": %d, \"error\": ", end_ms[i], final_states[i], job_polls(jobs[i]));
        json_string(stdout, recraft_job_error_message(jobs[i]));
        printf("}");
    }
    printf("]}\n");
    for (int i = 0; i < n; i++) recraft_job_free(jobs[i]);
    recraft_client_free(client);
    return 0;
}

/* ------------------------------------------------------------------ poll (+ callback receiver) */

static recraft_client *poll_client;
static int receiver_fd = -1;
static atomic_int callbacks_handled;

/* A minimal HTTP/1.1 receiver for the sandbox's callback POSTs: reads the head and a
 * Content-Length body, feeds the body to recraft_callback_handle, answers 200, closes. */
static void *receiver_main(void *arg) {
    (void)arg;
    for (;;) {
        int fd = accept(receiver_fd, NULL, NULL);
        if (fd < 0) { if (errno == EINTR) continue; return NULL; }
        size_t cap = 1 << 16, used = 0;
        char *buf = malloc(cap + 1);
        long body_at = -1, length = 0;
        for (;;) {
            if (used == cap) { cap *= 2; buf = realloc(buf, cap + 1); }
            ssize_t got = recv(fd, buf + used, cap - used, 0);
            if (got <= 0) break;
            used += (size_t)got;
            buf[used] = 0;
            if (body_at < 0) {
                char *end = strstr(buf, "\r\n\r\n");
                if (!end) continue;
                body_at = end + 4 - buf;
                char *cl = strcasestr(buf, "\r\ncontent-length:");
                length = cl && cl < end ? strtol(cl + 17, NULL, 10) : 0;
            }
            if (body_at >= 0 && (long)used >= body_at + length) break;
        }
        if (body_at >= 0) {
            buf[body_at + length] = 0;
            char *result = NULL;
            if (recraft_callback_handle(poll_client, buf + body_at, NULL, &result) == RECRAFT_OK) {
                atomic_fetch_add(&callbacks_handled, 1);
                recraft_string_free(result);
            } else {
                fprintf(stderr, "bench: callback refused: %s\n", recraft_last_error_message());
            }
        }
        const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        send(fd, reply, sizeof reply - 1, MSG_NOSIGNAL);
        close(fd);
        free(buf);
    }
}

static int start_receiver(void) {
    receiver_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(receiver_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(receiver_fd, 256) != 0 ||
        getsockname(receiver_fd, (struct sockaddr *)&addr, &len) != 0)
        die("callback receiver", strerror(errno));
    pthread_t thread;
    pthread_create(&thread, NULL, receiver_main, NULL);
    pthread_detach(thread);
    return ntohs(addr.sin_port);
}

typedef struct { recraft_job *job; recraft_state state; double end_ms; } waiter;

static void *wait_main(void *arg) {
    waiter *w = arg;
    recraft_job_wait(w->job, -1, &w->state);
    w->end_ms = epoch_ms();
    return NULL;
}

static int cmd_poll(int argc, char **argv) {
    if (argc < 7) die("usage", "poll CONFIG N IMAGE_URL PHASES CALLBACK");
    const char *config = argv[2];
    int n = atoi(argv[3]);
    const char *image = argv[4];
    char *phases = strdup(argv[5]);
    int with_callback = atoi(argv[6]);
    poll_client = new_client(config);
    char callback_url[128] = {0};
    if (with_callback) snprintf(callback_url, sizeof callback_url, "http://127.0.0.1:%d/callback", start_receiver());

    waiter *waiters = calloc((size_t)n, sizeof *waiters);
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    printf("{\"phases\": [");
    int first_phase = 1;
    for (char *save = NULL, *phase = strtok_r(phases, ",", &save); phase; phase = strtok_r(NULL, ",", &save)) {
        double start_ms = epoch_ms();
        for (int i = 0; i < n; i++) {
            waiters[i].job = submit(poll_client, "crisp_upscale", image, with_callback ? callback_url : NULL);
            pthread_create(&threads[i], NULL, wait_main, &waiters[i]);
        }
        for (int i = 0; i < n; i++) pthread_join(threads[i], NULL);
        printf("%s{\"name\": \"%s\", \"start_ms\": %.1f, \"jobs\": [", first_phase ? "" : ", ", phase, start_ms);
        first_phase = 0;
        for (int i = 0; i < n; i++) {
            const char *id = recraft_job_id(waiters[i].job);
            printf("%s{\"id\": ", i ? ", " : "");
            json_string(stdout, id ? id : "");
            printf(", \"end_ms\": %.1f, \"state\": %d, \"polls\": %d}", waiters[i].end_ms, waiters[i].state, job_polls(waiters[i].job));
            recraft_job_free(waiters[i].job);
        }
        printf("]}");
    }
    printf("], \"callbacks_handled\": %d}\n", atomic_load(&callbacks_handled));
    recraft_client_free(poll_client);
    return 0;
}

/* ------------------------------------------------------------------ transfer */

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Resets the process's peak RSS (VmHWM) to its current RSS and returns that; Linux only. */
static long reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) { fputs("5", f); fclose(f); }
    return proc_status("VmRSS:");
}

/* Submits one job and waits until the provider has it: warms up the library's threads
 * and connections, so that what a transfer adds is measured apart from them. */
static void warm_up(recraft_client *client, const char *image) {
    recraft_job *job = submit(client, "crisp_upscale", image, NULL);
    recraft_state state;
    recraft_job_wait(job, 60000, &state);
    recraft_job_free(job);
}

static int cmd_upload(int argc, char **argv) {
    if (argc < 5) die("usage", "upload CONFIG FILE WARMUP_FILE");
    recraft_client *client = new_client(argv[2]);
    warm_up(client, argv[4]);
    long baseline = reset_peak_rss();
    double t0 = now_s();
    recraft_job *job = submit(client, "crisp_upscale", argv[3], NULL);
    /* The task id appears once the upload and the create request are done. */
    recraft_state state = RECRAFT_STATE_PENDING;
    while (!recraft_job_id(job)) {
        recraft_job_poll(job, &state);
        if (state > RECRAFT_STATE_RUNNING) break;
        usleep(100);
    }
    double seconds = now_s() - t0;
    long peak = proc_status("VmHWM:");
    printf("{\"seconds\": %.5f, \"bytes\": %ld, \"baseline_rss_kb\": %ld, \"peak_rss_kb\": %ld, \"accepted\": %s, \"error\": ",
           seconds, file_size(argv[3]), baseline, peak, recraft_job_id(job) ? "true" : "false");
    json_string(stdout, recraft_job_error_message(job));
    printf("}\n");
    recraft_job_free(job);
    recraft_client_free(client);
    return 0;
}

static int cmd_download(int argc, char **argv) {
    if (argc < 5) die("usage", "download CONFIG IMAGE_URL DEST");
    recraft_client *client = new_client(argv[2]);
    recraft_job *job = submit(client, "crisp_upscale", argv[3], NULL);
    recraft_state state;
    recraft_job_wait(job, 600000, &state);
    if (state != RECRAFT_STATE_SUCCEEDED) die("download job", recraft_job_error_message(job));
    long baseline = reset_peak_rss();
    double t0 = now_s();
    if (recraft_job_download(job, 0, argv[4]) != RECRAFT_OK) die("recraft_job_download", recraft_last_error_message());
    double seconds = now_s() - t0;
    printf("{\"seconds\": %.5f, \"bytes\": %ld, \"baseline_rss_kb\": %ld, \"peak_rss_kb\": %ld, \"url\": ",
           seconds, file_size(argv[4]), baseline, proc_status("VmHWM:"));
    json_string(stdout, recraft_job_result_url(job, 0));
    printf("}\n");
    recraft_job_free(job);
    recraft_client_free(client);
    return 0;
}

/* ------------------------------------------------------------------ startup, overhead */

static int cmd_startup(int argc, char **argv) {
    if (argc < 3) die("usage", "startup CONFIG");
    int64_t t0 = now_ns();
    recraft_client *first = new_client(argv[2]);
    int64_t t1 = now_ns();
    recraft_client *second = new_client(argv[2]);
    int64_t t2 = now_ns();
    printf("{\"first_ms\": %.4f, \"second_ms\": %.4f}\n", (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
    recraft_client_free(second);
    recraft_client_free(first);
    return 0;
}

static int cmd_overhead(int argc, char **argv) {
    if (argc < 5) die("usage", "overhead CONFIG IMAGE_URL ITERATIONS");
    recraft_client *client = new_client(argv[2]);
    recraft_job *job = submit(client, "crisp_upscale", argv[3], NULL);
    recraft_state state;
    recraft_job_wait(job, 600000, &state);
    long iterations = atol(argv[4]);
    volatile int sink = 0;
    /* Warm up, then time each call kind. */
    for (long i = 0; i < iterations / 10; i++) sink += recraft_job_poll(job, &state);
    int64_t t0 = now_ns();
    for (long i = 0; i < iterations; i++) sink += recraft_job_poll(job, &state);
    int64_t t1 = now_ns();
    for (long i = 0; i < iterations; i++) sink += (int)recraft_version()[0];
    int64_t t2 = now_ns();
    for (long i = 0; i < iterations; i++) sink += (int)recraft_job_result_count(job);
    int64_t t3 = now_ns();
    printf("{\"iterations\": %ld, \"job_poll_ns\": %.1f, \"version_ns\": %.1f, \"result_count_ns\": %.1f, \"state\": %d}\n",
           iterations, (double)(t1 - t0) / iterations, (double)(t2 - t1) / iterations, (double)(t3 - t2) / iterations, state);
    (void)sink;
    recraft_job_free(job);
    recraft_client_free(client);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage", "lib_bench throughput|limit|poll|upload|download|startup|overhead ...");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "throughput")) return cmd_throughput(argc, argv);
    if (!strcmp(cmd, "limit")) return cmd_limit(argc, argv);
    if (!strcmp(cmd, "poll")) return cmd_poll(argc, argv);
    if (!strcmp(cmd, "upload")) return cmd_upload(argc, argv);
    if (!strcmp(cmd, "download")) return cmd_download(argc, argv);
    if (!strcmp(cmd, "startup")) return cmd_startup(argc, argv);
    if (!strcmp(cmd, "overhead")) return cmd_overhead(argc, argv);
    die("unknown subcommand", cmd);
    return 2;
}
