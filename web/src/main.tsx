import { render } from "preact"
import { App } from "./App.js"
import { startMediaWorker } from "./api.js"

startMediaWorker()
render(<App />, document.getElementById("root")!)
