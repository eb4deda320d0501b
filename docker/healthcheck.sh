#!/bin/bash
# The image's health check: GET /server/ready/ on the local port, healthy on 200. Plain bash
# (/dev/tcp), so that a check every few seconds costs almost nothing. PORT overrides 8080.
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8080}" || exit 1
printf 'GET /server/ready/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
[[ $status == 'HTTP/1.1 200'* ]]
