import './app.css';
import { mount } from 'svelte';
import App from './components/App.svelte';
import { App as AppState } from './lib/app.svelte';
import { HttpTransport } from './lib/transport/http';
import { TauriTransport, inDesktopApp } from './lib/transport/tauri';
import type { Transport } from './lib/transport/types';

// One UI, two hosts: the desktop app's window, or a browser page served by `trove serve`.
let transport: Transport;
let app: AppState;
if (inDesktopApp()) {
  transport = new TauriTransport();
  app = new AppState(transport);
} else {
  const http = new HttpTransport();
  transport = http;
  app = new AppState(transport);
  http.onUnauthorized = () => {
    app.unauthorized = true;
  };
}

mount(App, { target: document.getElementById('app')!, props: { app } });
