import { describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../src/media/prompts.js';
import { sayMoney } from '../../src/media/speech.js';

describe('prompt library', () => {
  it('loads shipped prompts in the leg codec, once', async () => {
    const library = new PromptLibrary();
    const first = library.audio('goodbye', 'de', 'PCMA');
    expect(library.audio('goodbye', 'de', 'PCMA')).toBe(first);
    const audio = await first;
    // A spoken word is at least a few hundred milliseconds of 8 kHz audio.
    expect(audio.length).toBeGreaterThan(2_000);
    const money = await library.sequence(sayMoney(12_500_000, 'AUD', 'en'), 'en', 'PCMU');
    expect(money).toHaveLength(sayMoney(12_500_000, 'AUD', 'en').length);
    expect(money.every((a) => a.length > 500)).toBe(true);
  });

  it('refuses names that are not prompts', async () => {
    const library = new PromptLibrary();
    await expect(library.audio('../../etc/passwd', 'en', 'PCMU')).rejects.toThrow();
  });
});
