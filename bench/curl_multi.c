/* curl_multi: the practical ceiling for the throughput benchmark. One thread, libcurl's
 * multi interface, and exactly the HTTP calls the library makes for a Market job:
 *   POST {base}/api/v1/jobs/createTask  {"model": "recraft/crisp-upscale", "input": {"image": URL}}
 *   GET  {base}/api/v1/jobs/recordInfo?taskId=ID   until "success" (same cold schedule as the
 *        library: first after 100 ms, then every max(100 ms, a quarter of the elapsed time))
 *   GET  the result URL into a file.
 * No retries, no rate limit, no journal, no JSON parser: only what the calls need. Like the
 * library it caps connections per host at 64.
 *
 *   curl_multi BASE_URL N IMAGE_URL OUTDIR
 * prints one JSON object: n, ok, failed, wall_s, cpu_s, peak_rss_kb, max_threads, polls.
 */
#include "common.h"

#include <curl/curl.h>
#include <fcntl.h>

enum { CREATE, POLL, DOWNLOAD };

typedef struct job {
    int index;
    int phase;
    char task_id[128];
    char result_url[1024];
    double created_at;
    double next_poll;
    char *body;
    size_t body_len, body_cap;
    int fd;
    struct curl_slist *headers;
} job;

static const char *base_url, *image_url, *out_dir;
static CURLM *multi;
static int ok, failed, polls, finished, n;
static char first_error[512];

/* A min-heap of jobs waiting for their next poll, by time. */
static job **heap;
static int heap_size;

static void heap_push(job *j) {
    int i = heap_size++;
    heap[i] = j;
    while (i > 0 && heap[(i - 1) / 2]->next_poll > heap[i]->next_poll) {
        job *t = heap[i]; heap[i] = heap[(i - 1) / 2]; heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static job *heap_pop(void) {
    job *top = heap[0];
    heap[0] = heap[--heap_size];
    for (int i = 0;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_size && heap[l]->next_poll < heap[m]->next_poll) m = l;
        if (r < heap_size && heap[r]->next_poll < heap[m]->next_poll) m = r;
        if (m == i) break;
        job *t = heap[i]; heap[i] = heap[m]; heap[m] = t;
        i = m;
    }
    return top;
}

static size_t write_body(char *data, size_t size, size_t count, void *user) {
    job *j = user;
    size_t len = size * count;
    if (j->fd >= 0) return write(j->fd, data, len) == (ssize_t)len ? len : 0;
    if (j->body_len + len + 1 > j->body_cap) {
        j->body_cap = (j->body_len + len + 1) * 2;
        j->body = realloc(j->body, j->body_cap);
    }
    memcpy(j->body + j->body_len, data, len);
    j->body_len += len;
    j->body[j->body_len] = 0;
    return len;
}

static void fail_job(const char *why) {
    if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", why);
    failed++;
    finished++;
}

static int fresh_create;

static void start(job *j, int phase) {
    j->phase = phase;
    j->body_len = 0;
    CURL *easy = curl_easy_init();
    char url[2048];
    curl_easy_setopt(easy, CURLOPT_PRIVATE, j);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "curl-multi-bench");
    if (phase == CREATE) {
        char body[1536];
        snprintf(url, sizeof url, "%s/api/v1/jobs/createTask", base_url);
        snprintf(body, sizeof body, "{\"model\":\"recraft/crisp-upscale\",\"input\":{\"image\":\"%s\"}}", image_url);
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, j->headers);
        /* BENCH_FRESH_CREATE=1: each createTask on a new connection, as the library sends
         * billed requests (exactly-once): what that safety costs, measured on the ceiling. */
        if (fresh_create) curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
    } else if (phase == POLL) {
        snprintf(url, sizeof url, "%s/api/v1/jobs/recordInfo?taskId=%s", base_url, j->task_id);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, j->headers);
        polls++;
    } else {
        char path[4096];
        snprintf(url, sizeof url, "%s", j->result_url);
        snprintf(path, sizeof path, "%s/%d.png", out_dir, j->index);
        j->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_multi_add_handle(multi, easy);
}

/* Copies the string value after `key` ("taskId":"...") into out; 1 if found. */
static int string_after(const char *body, const char *key, char *out, size_t cap) {
    const char *at = strstr(body, key);
    if (!at) return 0;
    at = strchr(at + strlen(key), '"');
    if (!at) return 0;
    at++;
    size_t k = 0;
    while (*at && *at != '"' && *at != '\\' && k + 1 < cap) out[k++] = *at++;
    out[k] = 0;
    return k > 0;
}

static void schedule_poll(job *j) {
    double elapsed = now_s() - j->created_at;
    double wait = elapsed * 0.25;
    if (wait < 0.1) wait = 0.1;
    if (wait > 2.0) wait = 2.0;
    j->next_poll = now_s() + wait;
    heap_push(j);
}

static void done(CURL *easy, CURLcode result) {
    job *j;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    if (result != CURLE_OK || status != 200) {
        char why[256];
        snprintf(why, sizeof why, "phase %d: %s, HTTP %ld", j->phase, curl_easy_strerror(result), status);
        if (j->fd >= 0) { close(j->fd); j->fd = -1; }
        fail_job(why);
        return;
    }
    switch (j->phase) {
    case CREATE:
        if (!string_after(j->body, "\"taskId\"", j->task_id, sizeof j->task_id)) { fail_job(j->body); return; }
        j->created_at = now_s();
        schedule_poll(j);
        break;
    case POLL:
        if (strstr(j->body, "\"state\":\"success\"")) {
            /* resultJson is a JSON string holding {"resultUrls":["URL"]}: take the first URL. */
            const char *urls = strstr(j->body, "resultUrls"), *http = urls ? strstr(urls, "http") : NULL;
            size_t k = 0;
            while (http && *http && *http != '"' && !(http[0] == '\\' && http[1] == '"') && k + 1 < sizeof j->result_url) {
                if (http[0] == '\\' && http[1] == '/') http++;  /* JSON's escaped slash */
                j->result_url[k++] = *http++;
            }
            j->result_url[k] = 0;
            if (!k) { fail_job(j->body); return; }
            start(j, DOWNLOAD);
        } else if (strstr(j->body, "\"state\":\"fail\"")) {
            fail_job(j->body);
        } else {
            schedule_poll(j);
        }
        break;
    case DOWNLOAD:
        close(j->fd);
        j->fd = -1;
        ok++;
        finished++;
        break;
    }
}

int main(int argc, char **argv) {
    if (argc < 5) die("usage", "curl_multi BASE_URL N IMAGE_URL OUTDIR");
    base_url = argv[1];
    n = atoi(argv[2]);
    image_url = argv[3];
    out_dir = argv[4];
    fresh_create = getenv("BENCH_FRESH_CREATE") && !strcmp(getenv("BENCH_FRESH_CREATE"), "1");

    sampler s;
    sampler_start(&s);
    double cpu0 = cpu_s(), t0 = now_s();
    curl_global_init(CURL_GLOBAL_ALL);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    job *jobs = calloc((size_t)n, sizeof *jobs);
    heap = calloc((size_t)n, sizeof *heap);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Authorization: Bearer bench");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    for (int i = 0; i < n; i++) {
        jobs[i].index = i;
        jobs[i].fd = -1;
        jobs[i].headers = headers;
        start(&jobs[i], CREATE);
    }
    while (finished < n) {
        int running = 0, left = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(multi, &left)))
            if (msg->msg == CURLMSG_DONE) done(msg->easy_handle, msg->data.result);
        double now = now_s();
        while (heap_size > 0 && heap[0]->next_poll <= now) start(heap_pop(), POLL);
        int timeout = 1000;
        if (heap_size > 0) {
            int until = (int)((heap[0]->next_poll - now) * 1000.0) + 1;
            if (until < timeout) timeout = until;
        }
        if (finished < n) curl_multi_poll(multi, NULL, 0, timeout, NULL);
    }
    double wall = now_s() - t0, cpu = cpu_s() - cpu0;
    sampler_stop(&s);
    curl_slist_free_all(headers);
    curl_multi_cleanup(multi);
    printf("{\"n\": %d, \"ok\": %d, \"failed\": %d, \"wall_s\": %.4f, \"cpu_s\": %.4f, \"peak_rss_kb\": %ld, "
           "\"max_threads\": %ld, \"polls\": %d, \"first_error\": ",
           n, ok, failed, wall, cpu, peak_rss_kb(), atomic_load(&s.max_threads), polls);
    json_string(stdout, first_error);
    printf("}\n");
    return failed ? 1 : 0;
}
