/*
 * fork: librecraft in the child of a fork().
 *
 *   fork MODE BASE_URL INPUT_PNG
 *
 * MODE:
 *   parent-client   the parent creates a client and runs a job to the end, then forks;
 *                   the child submits a job on the PARENT's client;
 *   new-client      the parent creates a client and runs a job to the end, then forks;
 *                   the child creates a NEW client and runs a job;
 *   fresh           the parent calls only recraft_version(), then forks; the child
 *                   creates a client and runs a job, which must succeed.
 *
 * In parent-client and new-client the child must either succeed or get a clear error (a
 * status from recraft_submit, or the job FAILED with a code and a message) within a
 * bounded time; it must never hang. The child arms alarm(60 s): a child killed
 * by SIGALRM hung. After the child, the parent runs one more job on its own client: the
 * fork must not have broken the parent either.
 *
 * Prints "outcome: ..." lines and one "ok"/"not ok" line per check; exits 1 if any failed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "recraft.h"

/* Seconds (RECRAFT_FORK_DEADLINE overrides); a job on the sandbox takes well under 5. */
static unsigned child_deadline = 60;
#define PARENT_WAIT_MS 120000  /* the parent's own jobs: a generous bound, never reached */

static const char *base_url, *input_png;
static int failed;
/* The state the child last saw its job in, for the alarm's report (-1: no job yet). */
static volatile sig_atomic_t last_state = -1;

static void on_alarm(int signal_number)
{
    static const char *const names[] = {"pending", "running", "succeeded", "failed", "cancelled"};
    char line[160];
    int state = (int)last_state;
    const char *name = state >= 0 && state <= 4 ? names[state] : "none (no job submitted yet, or stuck before wait)";
    /* Not printf: async-signal-safe pieces only. */
    size_t n = 0;
    const char *parts[] = {"outcome: child: deadline passed; the job's last state: ", name, "\n"};
    for (size_t i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && n < sizeof line - 1; p++) line[n++] = *p;
    if (write(STDOUT_FILENO, line, n) < 0) {
    }
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static void check(int ok, const char *what)
{
    printf("%s - %s\n", ok ? "ok" : "not ok", what);
    fflush(stdout);
    if (!ok) failed = 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static recraft_client *new_client(const char *who)
{
    char config[1024];
    recraft_client *client = NULL;
    snprintf(config, sizeof config,
             "{\"provider\": \"sandbox\", \"base_url\": \"%s\", \"api_key\": \"fork-test\", "
             "\"poll_initial_ms\": 20, \"poll_max_ms\": 200}", base_url);
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) {
        printf("outcome: %s: recraft_client_new refused: %s (%d): %s\n", who, recraft_status_name(status), (int)status,
               recraft_last_error_message());
        fflush(stdout);
        return NULL;
    }
    return client;
}

/* Runs one crisp_upscale job on client. Returns 0 when it succeeded, 1 when it ended
 * with a clear error (a refused submit, or FAILED with a code and a message), 2 when the
 * error was not clear (no message, or a state that is not final). wait_ms -1 waits
 * without a limit of its own (in the child, the alarm is the hang detector). */
static int run_job(recraft_client *client, const char *who, int64_t wait_ms)
{
    char request[4096];
    recraft_job *job = NULL;
    snprintf(request, sizeof request, "{\"operation\": \"crisp_upscale\", \"image\": \"%s\"}", input_png);
    double started = now_s();
    recraft_status status = recraft_submit(client, request, &job);
    if (status != RECRAFT_OK) {
        const char *message = recraft_last_error_message();
        printf("outcome: %s: recraft_submit refused: %s (%d): %s\n", who, recraft_status_name(status), (int)status, message);
        fflush(stdout);
        return message[0] != '\0' ? 1 : 2;
    }
    recraft_state state = RECRAFT_STATE_PENDING;
    if (wait_ms >= 0) {
        status = recraft_job_wait(job, wait_ms, &state);
    } else {
        /* In slices, to remember the state for the alarm's report. */
        do {
            status = recraft_job_wait(job, 1000, &state);
            last_state = state;
        } while (status == RECRAFT_OK && (state == RECRAFT_STATE_PENDING || state == RECRAFT_STATE_RUNNING));
    }
    double took = now_s() - started;
    int result;
    if (status != RECRAFT_OK) {
        printf("outcome: %s: recraft_job_wait returned %s: %s\n", who, recraft_status_name(status), recraft_last_error_message());
        result = 2;
    } else if (state == RECRAFT_STATE_SUCCEEDED) {
        printf("outcome: %s: the job succeeded in %.2f s (%zu result)\n", who, took, recraft_job_result_count(job));
        result = recraft_job_result_count(job) > 0 ? 0 : 2;
    } else if (state == RECRAFT_STATE_FAILED) {
        recraft_status code = recraft_job_error_code(job);
        const char *message = recraft_job_error_message(job);
        printf("outcome: %s: the job FAILED in %.2f s with %s (%d): %s\n", who, took, recraft_status_name(code), (int)code, message);
        result = code != RECRAFT_OK && message[0] != '\0' ? 1 : 2;
    } else {
        printf("outcome: %s: recraft_job_wait(%lld ms) returned state %d (not final) after %.2f s\n", who, (long long)wait_ms,
               (int)state, took);
        result = 2;
    }
    fflush(stdout);
    recraft_job_free(job);
    return result;
}

/* Forks; the child runs child_body under alarm(CHILD_DEADLINE) and exits with its result.
 * The parent waits and reports how the child ended. Returns the child's result (0/1/2),
 * or -1 when it hung or crashed. */
static int in_child(int (*child_body)(recraft_client *), recraft_client *parent_client, const char *what)
{
    fflush(stdout);
    fflush(stderr);
    double started = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        signal(SIGALRM, on_alarm);
        alarm(child_deadline);
        int result = child_body(parent_client);
        fflush(stdout);
        exit(result);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    double took = now_s() - started;
    char line[512];
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        snprintf(line, sizeof line, "%s: the child hung (killed by SIGALRM after %u s)", what, child_deadline);
        check(0, line);
        return -1;
    }
    if (WIFSIGNALED(status)) {
        snprintf(line, sizeof line, "%s: the child was killed by signal %d (%s) after %.1f s", what, WTERMSIG(status),
                 strsignal(WTERMSIG(status)), took);
        check(0, line);
        return -1;
    }
    int code = WEXITSTATUS(status);
    snprintf(line, sizeof line, "%s: the child ended in %.1f s with %s", what, took,
             code == 0 ? "success" : code == 1 ? "a clear error" : "an unclear result (see its outcome line)");
    check(code == 0 || code == 1, line);
    return code;
}

static int child_parent_client(recraft_client *parent_client)
{
    return run_job(parent_client, "child, on the parent's client", -1);
}

static int child_new_client(recraft_client *unused)
{
    (void)unused;
    recraft_client *client = new_client("child, new client");
    if (client == NULL) return recraft_last_error_message()[0] != '\0' ? 1 : 2;
    int result = run_job(client, "child, new client", -1);
    recraft_client_free(client);
    return result;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fork parent-client|new-client|fresh BASE_URL INPUT_PNG\n");
        return 2;
    }
    const char *mode = argv[1];
    base_url = argv[2];
    input_png = argv[3];
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *deadline = getenv("RECRAFT_FORK_DEADLINE");
    if (deadline != NULL && atoi(deadline) > 0) child_deadline = (unsigned)atoi(deadline);

    if (strcmp(mode, "fresh") == 0) {
        printf("parent: only recraft_version() (%s) before fork\n", recraft_version());
        int result = in_child(child_new_client, NULL, "fresh parent, child creates a client");
        check(result == 0, "fresh parent, child creates a client: the job must succeed");
        return failed;
    }

    int child_uses_parent = strcmp(mode, "parent-client") == 0;
    if (!child_uses_parent && strcmp(mode, "new-client") != 0) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    recraft_client *client = new_client("parent");
    if (client == NULL) return 1;
    check(run_job(client, "parent, before fork", PARENT_WAIT_MS) == 0, "parent: a job before fork succeeds");
    in_child(child_uses_parent ? child_parent_client : child_new_client, client,
             child_uses_parent ? "child submits on the parent's client" : "child creates a new client");
    check(run_job(client, "parent, after fork", PARENT_WAIT_MS) == 0, "parent: a job after the child ended succeeds");
    recraft_client_free(client);
    return failed;
}
