/** The regular expressions of name extraction: what a name looks like, and the phrases around one. */
import { E } from './text.js';

const NAME_TOKEN = "\\p{Lu}(?:\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)?|['’]\\p{Lu}\\p{Ll}+)(?:-\\p{L}\\p{Ll}+)?";
const NAME_PARTICLE = "(?:de|da|di|del|della|van|von|der|den|le|la|bin|binti|al|el|dos|du|d['’])";
/** One to four capitalised name tokens, with particles ("Anna de Luca", "Ahmad bin Yusuf"). */
export const NAME = `${NAME_TOKEN}(?:[ \\t]+(?:${NAME_PARTICLE}[ \\t]+)?${NAME_TOKEN}){0,3}`;
/** A name (after an optional title) exactly at `lastIndex`. */
export const NAME_STICKY = new RegExp(
  `(?:(?:(?:la |il )?(?:signora|signor|signore)|Mr|Mrs|Ms|Miss|Dr|Prof|Ing|Avv|Arch|Dott|Dott\\.ssa|Sig|Sig\\.ra|Pak|Bu|Bapak|Ibu|Kak|Mas|Mbak|Drs|Ir)\\.?[ \\t]+)?(${NAME})${E}`,
  'uy',
);

/** Self-introductions: trigger (case-insensitive) followed by a capitalised name. */
export const NAME_TRIGGERS: { re: RegExp; confidence: number }[] = [
  { re: /(?<![\p{L}])(?:my name is|my name's|my full name is)\s+/giu, confidence: 0.85 },
  { re: /(?<![\p{L}])(?:mi chiamo|il mio nome è|il mio nome e'|mi chiamano)\s+/giu, confidence: 0.85 },
  {
    re: /(?<![\p{L}])(?:nama saya|nama sy|nama aku|namaku|nama ku|perkenalkan,? nama saya|perkenalkan,? saya)\s+/giu,
    confidence: 0.85,
  },
  { re: /(?<![\p{L}])(?:name|full name|nome|nome e cognome|nama|nama lengkap)\s*:\s*/giu, confidence: 0.8 },
  {
    re: /(?<![\p{L}])(?:contact person|contact|kontak|contatto|referente|cp|pic)\s*:\s*/giu,
    confidence: 0.7,
  },
  { re: /(?<![\p{L}])(?:i['’]m|i am|im)\s+/giu, confidence: 0.8 },
  { re: /(?<![\p{L}])(?:this is|it['’]s|here is)\s+/giu, confidence: 0.7 },
  { re: /(?<![\p{L}])(?:ini dengan|dengan saya sendiri,?)\s+/giu, confidence: 0.75 },
  {
    re: /(?<![\p{L}])(?:my details|here are my details|i miei dati|data saya|my contact details)\s*:\s*/giu,
    confidence: 0.7,
  },
  { re: /(?<![\p{L}]|(?:ci|non|che|quali|dove|come|chi|ne)\s)(?:sono|qui è|qui e')\s+/giu, confidence: 0.7 },
  { re: /(?<![\p{L}])(?:saya|sy)\s+/giu, confidence: 0.65 },
  { re: /(?<![\p{L}])(?:aku|gue|gw)\s+/giu, confidence: 0.6 },
];

/** A sign-off ("Best regards,", "Grazie", "Salam") before a name. */
export const SIGN_OFF_RE =
  /(?<![\p{L}])(?:best regards|kind regards|warm regards|regards|best wishes|best|cheers|thanks again|thank you|thanks|thx|sincerely|yours sincerely|cordiali saluti|distinti saluti|un saluto|saluti|grazie mille|grazie|a presto|salam hangat|salam|hormat saya|hormat kami|terima kasih|terimakasih|makasih|wassalam)[ \t]*[,.!]?\s+(?:[-–—][ \t]*)?/giu;

/** An agent asking for the user's name. */
export const NAME_REQUEST =
  /your name|who am i speaking|who is this|whom am i|may i have your|il suo nome|il tuo nome|come si chiama|come ti chiami|nome e (?:un )?(?:recapito|contatto|cognome)|lasciarci (?:il )?nome|chi parla|con chi parlo|chi sei|chi scrive|who are you|who['’]s this|siapa ini|boleh tahu nama|dengan siapa|nama (?:bapak|ibu|anda|kakak|kak|lengkap)|dengan (?:bapak|ibu|bapak\/ibu|kak|kakak|siapa)|siapa nama/i;

/** "my name is john", "nama saya budi santoso,": lower-case names after an unambiguous phrase. */
export const LOWER_NAME_STRONG =
  /(?<![\p{L}])(?:my name is|my name's|mi chiamo|nama saya|nama sy|nama aku|namaku)\s+(\p{Ll}{2,}(?:[ \t]+\p{Ll}{2,})?)(?=\s*(?:[,.!?\n]|$)|\s+(?:and|e|dan|from|da|dari|dr|here)\s)/gu;
/** "i am chris from new zealand", "saya budi dari surabaya". */
export const LOWER_NAME_FROM =
  /(?<![\p{L}])(?:i am|i['’]m|im|sono|saya|sy|aku)\s+(\p{Ll}{2,})(?=\s+(?:from|dari|dr|da)\s)/gu;
/** A name after a dash at the very end of a message, optionally with contact data. */
export const DASH_SIGN_OFF = new RegExp(
  `(?:^|[\\s.!?])[-–—~][ \\t]*(${NAME}|\\p{Ll}{2,})[ \\t]*(?:\\([^)\\n]*\\)|,[^\\n]*|[ \\t]+\\+?\\d[\\d ().-]{6,})?[ \\t]*$`,
  'u',
);
/** "Ahmed Khan here". */
export const NAME_HERE = new RegExp(`(?<![\\p{L}])(${NAME})[ \\t]+here${E}`, 'gu');
/** "Tom Baker (tom@bakerdesign.co.uk)". */
export const NAME_BEFORE_EMAIL = new RegExp(`(?<![\\p{L}])(${NAME})[ \\t]*[(<][^()<>\\s]+@`, 'gu');
/** What may precede the answer to "may I have your name?" ("sure, it's …", "baik, dengan …"). */
export const ANSWER_LEAD =
  /^\s*(?:(?:sure|yes|yeah|ok|okay|of course|hi|hello|hey|certo|certamente|sì|si|va bene|salve|ciao|buongiorno|buonasera|baik|iya|ya|oke|boleh|halo|hai|selamat \p{L}+|pagi|siang|sore|malam)[,.!]?\s+)?(?:(?:it['’]s|i['’]m|sono|saya|dengan)\s+)?/iu;
