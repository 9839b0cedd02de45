"""A local emulator of Azure Web PubSub and Azure SignalR Service, for development and tests.

Run ``python -m realtime_rest.emulator webpubsub|signalr``; it needs the ``emulator`` extra
(``pip install "realtime-rest-clients[emulator]"``).
"""

from realtime_rest.emulator.server import Emulator

__all__ = ["Emulator"]
