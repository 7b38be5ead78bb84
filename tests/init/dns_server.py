"""A DNS server on 127.0.0.1 for the tests: answers NS queries from a table, NXDOMAIN otherwise.

`deploy.py init --nameserver 127.0.0.1:PORT` asks it where a domain's name servers point, so the
tests exercise the real lookup (dnspython, UDP) without reaching the internet.
"""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class NameServerTable:
    def __init__(self):
        self.delegations: dict[str, list[str]] = {}
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            servers = [s if s.endswith(".") else s + "." for s in self.delegations.get(name, [])] or None
            if servers is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.NS:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, dns.rdatatype.NS, servers)
                )
            self._socket.sendto(response.to_wire(), client)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()
