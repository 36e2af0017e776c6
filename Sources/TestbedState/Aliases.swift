// The module and its main type share the name `TestbedState`, so `TestbedState.X` always means
// the nested type. These aliases let code that imports the module say `Guest`, `Host`, ...
public typealias Host = TestbedState.Host
public typealias Image = TestbedState.Image
public typealias Network = TestbedState.Network
public typealias Tunnel = TestbedState.Tunnel
public typealias Service = TestbedState.Service
public typealias Guest = TestbedState.Guest
