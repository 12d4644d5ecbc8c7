# The exact-capture workload, run in one container by test_record_exact.sh
# (runc) and test_docker_record_exact.sh (Docker); exact_check.py counts
# it in the trace: N execs of /bin/true, K reads of a probe file, M
# connects to a loopback listener, B bytes sent.
N=50 M=20 K=30 B=2000000
EXACT_SCRIPT="
	sleep 0.5
	for i in \$(seq $N); do /bin/true; done
	echo probe > /tmp/exact-probe.txt
	for i in \$(seq $K); do read line < /tmp/exact-probe.txt; done
	nc -lk 127.0.0.1 7001 >/dev/null &
	nc -l 127.0.0.1 7002 >/dev/null &
	sleep 0.3
	for i in \$(seq $M); do nc -z 127.0.0.1 7001; done
	head -c $B /dev/zero | nc -N 127.0.0.1 7002
	sleep 1.5
"
