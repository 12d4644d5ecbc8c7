// SPDX-License-Identifier: MIT
/*
 * raw_socket: raw and packet sockets, the tools of sniffers and spoofers.
 *
 * Every --interval seconds, --count times, the payload opens
 * socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), sends a hand-built ICMP echo
 * request to 127.0.0.1 and reads the reply, then opens
 * socket(AF_PACKET, SOCK_RAW, ETH_P_ALL) bound to the loopback interface
 * and reads a few frames. Without CAP_NET_RAW every attempt is refused,
 * and the attempts are the signal. The trace shows raw_socket and
 * packet_socket security events from the target.
 */
#include "payload.h"

#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <poll.h>

static const char usage[] =
	"Opens raw ICMP and packet sockets and pings 127.0.0.1.\n"
	"  --count=N     rounds (default 10, 1..1000)\n"
	"  --interval=S  seconds between rounds (default 1, 0.05..60)\n"
	"  --packet=0|1  also open AF_PACKET sockets (default 1)\n";

static const char *const keys[] = { "count", "interval", "packet", NULL };

static uint16_t icmp_sum(const void *data, size_t len)
{
	const uint16_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const uint8_t *)p;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

/* 0 on a reply, -errno otherwise. */
static int ping(uint16_t seq)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct pollfd p;
	char pkt[64], buf[256];
	struct icmphdr *ic = (struct icmphdr *)pkt;
	int fd, err = -ETIMEDOUT;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	memset(pkt, 0, sizeof(pkt));
	ic->type = ICMP_ECHO;
	ic->un.echo.id = htons(getpid() & 0xffff);
	ic->un.echo.sequence = htons(seq);
	memcpy(pkt + sizeof(*ic), "cadet raw socket probe", 22);
	ic->checksum = icmp_sum(pkt, sizeof(pkt));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0) {
		err = -errno;
		goto close_fd;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	/* The raw socket sees our own request too; wait for the reply. */
	for (int i = 0; i < 4 && poll(&p, 1, 200) > 0; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct iphdr *ip = (struct iphdr *)buf;

		if (n < (ssize_t)sizeof(*ip) + 8)
			continue;
		if (((struct icmphdr *)(buf + ip->ihl * 4))->type ==
		    ICMP_ECHOREPLY) {
			err = 0;
			break;
		}
	}
close_fd:
	close(fd);
	return err;
}

/* Number of frames seen on lo, or -errno. */
static int sniff(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct pollfd p;
	char buf[2048];
	int fd, frames = 0;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex("lo");
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -errno;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (frames < 4 && poll(&p, 1, 100) > 0 &&
	       recv(fd, buf, sizeof(buf), 0) > 0)
		frames++;
	close(fd);
	return frames;
}

int main(int argc, char **argv)
{
	long count, done = 0, replies = 0, denied = 0;
	bool packet;
	double interval;
	uint64_t next;

	pl_init(argc, argv, "raw_socket", usage, keys);
	count = pl_int("count", 10, 1, 1000);
	interval = pl_secs("interval", 1, 0.05, 60);
	packet = pl_int("packet", 1, 0, 1);

	pl_begin();
	next = pl_now();
	while (done < count && pl_running()) {
		int err = ping(done);

		if (!err)
			replies++;
		else if (err == -EPERM || err == -EACCES)
			denied++;
		if (packet && sniff() < 0)
			denied++;
		done++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld rounds, %ld echo replies, %ld sockets refused", done,
		replies, denied);
	return 0;
}
