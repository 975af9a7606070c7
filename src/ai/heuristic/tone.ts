/** Tone and gist of the conversation: sentiment, urgency, action items and a one-line summary. */
import type { ExtractedSentiment, ExtractedUrgency, ExtractionResult } from '../extractor.js';
import { datesIn } from './dates.js';
import { sentencesOf, type UserText } from './text.js';

const POSITIVE_WORDS =
  /\b(?:great|perfect|excellent|amazing|awesome|wonderful|happy|glad|love|appreciate|appreciated|helpful|ottimo|ottima|perfetto|perfetta|fantastico|gentilissim[oi]|felice|contento|contenta|bagus|mantap|senang|puas|luar biasa|keren|hebat)\b|[😊🙂😀😃😍👍❤🥰]/giu;
const THANKS_WORDS = /\b(?:thanks|thank you|thx|grazie|terima kasih|terimakasih|makasih|tks)\b|🙏/giu;
const NEGATIVE_WORDS =
  /\b(?:unacceptable|terrible|awful|horrible|disappointed|disappointing|angry|annoyed|frustrated|frustrating|worst|complaint|complain|scam|refund|ridiculous|nobody answers|no one answers|no answer|still waiting|pessimo|pessima|vergogna|deluso|delusa|inaccettabile|arrabbiato|arrabbiata|nessuno (?:mi )?risponde|mai raggiungibili|truffa|rimborso|kecewa|parah|buruk|marah|lambat|lama sekali|tidak ada (?:yang )?(?:balas|jawab)|belum (?:ada )?(?:balasan|dibalas)|menunggu balasan|penipuan)\b|[😡😠😤👎]/giu;

const URGENT_WORDS =
  /\b(?:urgent|urgently|asap|a\.s\.a\.p|emergency|immediately|right away|today|tonight|urgente|urgentissimo|subito|immediatamente|oggi|stasera|segera|secepatnya|mendesak|darurat|hari ini|malam ini|sekarang juga)\b/giu;
const HIGH_WORDS =
  /\b(?:soon|quickly|fast|this week|next week|tomorrow|deadline|expires?|expiring|expired|overstay|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of)|entro|scade|scadenza|in scadenza|scaduto|presto|domani|questa settimana|settimana prossima|prossima settimana|fine mese|cepat|besok|minggu ini|minggu depan|habis|kadaluarsa|kedaluwarsa|batas waktu|buru-buru)\b/giu;
const LOW_WORDS =
  /\b(?:no rush|no hurry|not urgent|just curious|next year|in the future|someday|eventually|nessuna fretta|non è urgente|l['’]anno prossimo|in futuro|tidak buru-buru|gak buru-buru|nggak buru-buru|tahun depan|santai aja)\b/giu;

const ACTION_TRIGGERS =
  /\b(?:please|pls|plz|can you|could you|would you|will you|i need|we need|i['’]d like|i would like|send me|let me know|call me|contact me|email me|mi serve|mi servono|ci serve|potete|potreste|può|potrebbe|vorrei|mandatemi|inviatemi|mandami|fatemi sapere|chiamatemi|contattatemi|mi scrivete|tolong|mohon|bisa (?:dibantu|bantu|kirim|tolong|minta|info)|minta|kirimkan|kirim|butuh|perlu|hubungi)\b/i;

/** Positive against negative words and emojis (thanks count half). */
export function extractSentiment(users: UserText[]): ExtractedSentiment {
  let pos = 0;
  let neg = 0;
  for (const u of users) {
    pos += (u.text.match(POSITIVE_WORDS)?.length ?? 0) + 0.5 * (u.text.match(THANKS_WORDS)?.length ?? 0);
    neg += u.text.match(NEGATIVE_WORDS)?.length ?? 0;
    if (/[!?]{2,}/.test(u.text) && neg > 0) neg += 0.5;
  }
  if (neg >= 1 && neg >= pos) return 'NEGATIVE';
  if (pos >= 1 && pos > neg) return 'POSITIVE';
  return 'NEUTRAL';
}

/** Urgent words or a date within three days, high ones or a date within two weeks, or a relaxed tone. */
export function extractUrgency(users: UserText[], now: Date): ExtractedUrgency {
  let urgent = 0;
  let high = 0;
  let low = 0;
  for (const u of users) {
    urgent += u.text.match(URGENT_WORDS)?.length ?? 0;
    high += u.text.match(HIGH_WORDS)?.length ?? 0;
    low += u.text.match(LOW_WORDS)?.length ?? 0;
    if (/!{3,}/.test(u.text)) high++;
    for (const d of datesIn(u.text, now)) {
      const days = (d.getTime() - now.getTime()) / 86_400_000;
      if (days >= -1 && days <= 3) urgent++;
      else if (days > 3 && days <= 14) high++;
    }
  }
  if (urgent > 0 || high >= 3) return 'URGENT';
  if (high > 0) return 'HIGH';
  if (low > 0) return 'LOW';
  return 'NORMAL';
}

/** Up to five sentences that ask for something. */
export function extractActionItems(users: UserText[]): string[] {
  const out: string[] = [];
  for (const u of users) {
    for (const s of sentencesOf(u)) {
      if (out.length >= 5) return out;
      if (ACTION_TRIGGERS.test(s.text) && !out.includes(s.text))
        out.push(s.text.length > 200 ? s.text.slice(0, 197) + '…' : s.text);
    }
  }
  return out;
}

/** One line: who asks about which practice type, or the first substantial sentence. */
export function summarise(users: UserText[], name: string | undefined, practice: ExtractionResult['practice']): string {
  const who = name ?? 'The client';
  const oneLine = (s: string) => {
    const t = s.replace(/\s+/g, ' ').trim();
    return t.length > 160 ? t.slice(0, 157) + '…' : t;
  };
  if (practice) return `${who} asks about ${practice.value}: ${oneLine(practice.details ?? practice.evidence ?? '')}`;
  const all = users.flatMap((u) => sentencesOf(u).map((s) => s.text));
  if (!all.length) return 'No message from the client.';
  // The first sentence with some substance (not a bare greeting).
  const first = all.find((s) => s.split(/\s+/).length >= 4) ?? all[0];
  return `${who} writes: ${oneLine(first)}`;
}
