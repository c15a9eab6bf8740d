"""Enforcement adapters: where Boardline's decisions meet real traffic.

Each sub-package speaks one enforcement point's protocol (``squid`` for Squid's
external ACL helper; later an HTTP decision API and ICAP) and turns it into
calls on a small decision port. None of them decides anything: the decision
engine stays pure and is wired in by the composition root, so an adapter can be
tested with a fake decider and a real proxy.
"""
