"""realtime-rest: OpenAPI specs of Azure SignalR Service and Web PubSub → typed Python clients."""
