import { encodeFor, loadWav } from './player.js';
import { promptPath, type PromptLanguage } from './speech.js';

/**
 * The shipped prompts, loaded once per name, language and codec and kept ready to play
 * (G.711 in the leg's codec). Owners' recordings from the sound library replace prompts
 * by name in a later issue; this is the fallback they replace.
 */
export class PromptLibrary {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  audio(name: string, language: PromptLanguage, codec: 'PCMU' | 'PCMA'): Promise<Uint8Array> {
    const key = `${language}/${name}/${codec}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = Promise.resolve()
        .then(() => loadWav(promptPath(name, language)))
        .then((sound) => encodeFor(sound, codec));
      // A failed load is not cached, so a fixed file is picked up on the next call.
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
    }
    return entry;
  }

  /** Several prompts, in order (e.g. the output of sayMoney). */
  sequence(names: readonly string[], language: PromptLanguage, codec: 'PCMU' | 'PCMA'): Promise<Uint8Array[]> {
    return Promise.all(names.map((name) => this.audio(name, language, codec)));
  }
}
