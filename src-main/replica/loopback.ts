import net from 'node:net'

/** Listens on 127.0.0.1 only (port 0: any free port) and resolves with the port actually bound. */
export function listenOnLoopback(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', reject)
      resolve((server.address() as net.AddressInfo).port)
    })
  })
}
