/*
 * The phones of the media benchmark (bench/media.ts), in C so that generating 100,000
 * packets per second costs a few percent of a core instead of a whole one: the figures
 * then measure Dialback's relay, not the load generator.
 *
 * Every phone sends a 20 ms G.711 packet (172 bytes) every 20 ms to its Dialback RTP port
 * and receives what the other phone of its call sent, through Dialback. All phones share
 * one UDP socket (sendmmsg/recvmmsg in batches): Dialback latches each of its sessions to
 * this socket's address, exactly as it would to a phone behind NAT. The payload carries
 * the sending phone's index and the send time, so loss and the relay's added jitter
 * (RFC 3550 A.8 estimator) are measured per stream.
 *
 * Optionally a flood: a second socket sends junk (malformed packets, and RTP with a payload
 * type nobody negotiated) as fast as FLOOD_PPS allows to one Dialback port, which must not
 * disturb the other calls.
 *
 * Input on stdin: "SECONDS PHONES_PORT FLOOD_PORT FLOOD_PPS" then one Dialback port per
 * phone (the phones of call k are lines 2k and 2k+1); the phones' socket binds PHONES_PORT. Output: one JSON line with the figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define PACKET 172
#define BATCH 256

struct phone {
  uint16_t port;
  uint16_t seq;
  uint32_t ts;
  uint64_t received;
  double last_transit;
  double jitter;
  int have_transit;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static int udp_socket(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("socket");
    exit(1);
  }
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    perror("bind");
    exit(1);
  }
  return fd;
}

static void drain(int fd, struct phone *phones, size_t count, uint64_t *stray) {
  static uint8_t buffers[BATCH][PACKET + 64];
  static struct iovec iov[BATCH];
  static struct mmsghdr msgs[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iov[i].iov_base = buffers[i];
      iov[i].iov_len = sizeof buffers[i];
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    double arrival = now_ms();
    for (int i = 0; i < n; i++) {
      uint8_t *p = buffers[i];
      if (msgs[i].msg_len < 24) {
        (*stray)++;
        continue;
      }
      uint32_t from;
      double sent;
      memcpy(&from, p + 12, 4);
      memcpy(&sent, p + 16, 8);
      if (from >= count) {
        (*stray)++;
        continue;
      }
      /* The packet reached the other phone of the call. */
      struct phone *to = &phones[from ^ 1];
      to->received++;
      double transit = arrival - sent;
      if (to->have_transit) {
        double d = transit - to->last_transit;
        if (d < 0) d = -d;
        to->jitter += (d - to->jitter) / 16.0;
      }
      to->last_transit = transit;
      to->have_transit = 1;
    }
  }
}

int main(void) {
  int seconds, phones_port, flood_port, flood_pps;
  if (scanf("%d %d %d %d", &seconds, &phones_port, &flood_port, &flood_pps) != 4) {
    fprintf(stderr, "expected SECONDS PHONES_PORT FLOOD_PORT FLOOD_PPS\n");
    return 2;
  }
  size_t cap = 1024, count = 0;
  struct phone *phones = calloc(cap, sizeof *phones);
  int port;
  while (scanf("%d", &port) == 1) {
    if (count == cap) phones = realloc(phones, (cap *= 2) * sizeof *phones);
    memset(&phones[count], 0, sizeof phones[count]);
    phones[count++].port = (uint16_t)port;
  }
  if (count % 2 != 0) {
    fprintf(stderr, "phones come in pairs (two per call)\n");
    return 2;
  }
  int fd = udp_socket(phones_port);
  int flood_fd = flood_port > 0 ? udp_socket(0) : -1;

  uint8_t (*out)[PACKET] = malloc(count * PACKET);
  struct sockaddr_in *to = calloc(count, sizeof *to);
  struct iovec *iov = calloc(count, sizeof *iov);
  struct mmsghdr *msgs = calloc(count, sizeof *msgs);
  for (size_t i = 0; i < count; i++) {
    to[i].sin_family = AF_INET;
    to[i].sin_port = htons(phones[i].port);
    to[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(out[i], 0xff, PACKET);
    iov[i].iov_base = out[i];
    iov[i].iov_len = PACKET;
    msgs[i].msg_hdr.msg_name = &to[i];
    msgs[i].msg_hdr.msg_namelen = sizeof to[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  uint64_t sent = 0, stray = 0, flood_sent = 0;
  int ticks = seconds * 50;
  double start = now_ms();
  struct sockaddr_in flood_to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)flood_port)};
  flood_to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint8_t junk[PACKET];
  double flood_per_tick = flood_pps / 50.0, flood_due = 0;
  for (int tick = 0; tick < ticks; tick++) {
    double due = start + tick * 20.0;
    /* Wait for the tick, receiving meanwhile. */
    for (;;) {
      double wait = due - now_ms();
      if (wait <= 0) break;
      struct pollfd pfd = {.fd = fd, .events = POLLIN};
      poll(&pfd, 1, (int)(wait + 0.999));
      drain(fd, phones, count, &stray);
    }
    double stamp = now_ms();
    for (size_t i = 0; i < count; i++) {
      uint8_t *p = out[i];
      p[0] = 0x80;
      p[1] = 0; /* PCMU */
      phones[i].ts += 160;
      uint16_t seq = htons(phones[i].seq++);
      uint32_t ts = htonl(phones[i].ts), ssrc = htonl(0x10000 + (uint32_t)i), index = (uint32_t)i;
      memcpy(p + 2, &seq, 2);
      memcpy(p + 4, &ts, 4);
      memcpy(p + 8, &ssrc, 4);
      memcpy(p + 12, &index, 4);
      memcpy(p + 16, &stamp, 8);
    }
    for (size_t off = 0; off < count;) {
      size_t n = count - off < BATCH ? count - off : BATCH;
      int r = sendmmsg(fd, msgs + off, (unsigned)n, 0);
      if (r < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS) continue;
        perror("sendmmsg");
        return 1;
      }
      off += (size_t)r;
      sent += (uint64_t)r;
    }
    if (flood_fd >= 0) {
      for (flood_due += flood_per_tick; flood_due >= 1; flood_due--) {
        size_t len = 8 + (size_t)(rand() % (PACKET - 8));
        for (size_t j = 0; j < len; j++) junk[j] = (uint8_t)rand();
        /* Every other one is well-formed RTP in payload type 96, which nobody negotiated. */
        if (flood_sent % 2 == 0) {
          junk[0] = 0x80;
          junk[1] = 96;
        }
        if (sendto(flood_fd, junk, len, MSG_DONTWAIT, (struct sockaddr *)&flood_to, sizeof flood_to) > 0) flood_sent++;
      }
    }
    drain(fd, phones, count, &stray);
  }
  /* Let the last packets through the relay. */
  double end = now_ms() + 500;
  while (now_ms() < end) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    poll(&pfd, 1, 20);
    drain(fd, phones, count, &stray);
  }
  uint64_t received = 0;
  double jitter_sum = 0, jitter_max = 0;
  for (size_t i = 0; i < count; i++) {
    received += phones[i].received;
    jitter_sum += phones[i].jitter;
    if (phones[i].jitter > jitter_max) jitter_max = phones[i].jitter;
  }
  uint64_t first_call = count >= 2 ? phones[0].received + phones[1].received : 0;
  printf("{\"sent\":%llu,\"received\":%llu,\"firstCallReceived\":%llu,\"sentPerPhone\":%d,\"jitterMs\":%.3f,"
         "\"jitterMaxMs\":%.3f,\"stray\":%llu,\"floodSent\":%llu}\n",
         (unsigned long long)sent, (unsigned long long)received, (unsigned long long)first_call, ticks,
         count ? jitter_sum / (double)count : 0.0, jitter_max, (unsigned long long)stray, (unsigned long long)flood_sent);
  return 0;
}
