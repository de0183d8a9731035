#!/bin/sh
# rc.lvs: the old way, one ipvsadm call per line
ipvsadm  --add-service --tcp-service 203.0.113.50:25  --scheduler  wrr   --persistent
ipvsadm  -a  -t 203.0.113.50:25  -r 10.1.0.51:25  --masquerading  --weight=3
ipvsadm  -a  -t 203.0.113.50:25  -r 10.1.0.52:25  --masquerading  --weight=1
/sbin/ipvsadm -E -t 203.0.113.50:25 -s wlc
/sbin/ipvsadm -e -t 203.0.113.50:25 -r 10.1.0.52:25 -m -w 2
ipvsadm --start-daemon master --mcast-interface eth0
ipvsadm -C
ipvsadm --set 7200 60 300
