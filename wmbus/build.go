package wmbus

import (
	"crypto/aes"
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/cmac"
	"github.com/meterwire/meterwire/codec"
)

// Spec describes a wM-Bus frame to build: link layer, optional ELL, TPL with
// its security mode (mode 7 adds the AFL) and application data. AppendFrame
// fills in every derived byte: L, CFG block count, 2F2F marker and 2F
// padding, encryption, MAC, PayloadCRC and block CRCs.
type Spec struct {
	C    byte    // link-layer C field, e.g. 0x44 SND-NR
	Link Address // link-layer M and A
	ELL  *ELLSpec
	TPL  TPLSpec
	// Payload is the application data (EN 13757-3 records). With security
	// mode 5 or 7 it is encrypted: AppendFrame puts 2F2F before it and pads
	// it with 2F to whole 16-byte blocks.
	Payload []byte
	// Clear is application data appended after the encrypted blocks, in
	// clear (partial encryption). With security mode 0 it simply follows
	// Payload.
	Clear []byte
	// Key is the AES-128 key for every encrypted layer.
	Key []byte
	// Format is the link-layer frame shape: A, B, or none (no CRCs).
	Format Format
}

// ELLSpec describes an Extended Link Layer.
type ELLSpec struct {
	CI  byte // 0x8C, 0x8D, 0x8E or 0x8F
	CC  byte // communication control bits (CC* constants)
	ACC byte // access number
	// Addr is M2/A2 (CI 0x8E, 0x8F).
	Addr Address
	// Encrypt sets SN ENC=1 and encrypts the payload with AES-128-CTR
	// (CI 0x8D, 0x8F).
	Encrypt bool
	Minutes uint32 // SN time field
	Session uint8  // SN session number
	// CounterAddress chooses the counter-block address for CI 0x8F:
	// ELLAddressLink (default) or ELLAddressM2A2.
	CounterAddress ELLAddressPolicy
}

// TPLSpec describes the transport layer.
type TPLSpec struct {
	// CI is the transport CI: 0x78 (no header), 0x7A (short), 0x72 (long),
	// or any other known TPL CI. Zero means 0x78, or 0x7A when Security is
	// non-zero.
	CI   byte
	Addr Address // long header address (CI 0x72 and other long-header CIs)
	ACC  byte
	STS  byte
	// Security is the security mode: 0, 5 or 7.
	Security int
	// Flags are CFG bits other than mode and block count
	// (CFGBidirectional, CFGAccessibility, CFGSynchronous, ...).
	Flags uint16
	// Mode 7: the AFL message counter, the MAC type (0 means 5: 8 bytes)
	// and the key id of the CFG extension.
	MCR     uint32
	MACType byte
	KeyID   byte
}

func buildErr(layer, detail string) error {
	return &codec.Error{Layer: layer, Offset: -1, Err: codec.ErrMalformed, Detail: detail}
}

// AppendFrame appends the frame described by s to dst and returns the
// extended buffer. Errors wrap codec.ErrMalformed (a spec that cannot be
// encoded) and say which field is at fault.
func AppendFrame(dst []byte, s *Spec) ([]byte, error) {
	f, err := buildPlain(s)
	if err != nil {
		return dst, err
	}
	return AppendCRC(dst, f, s.Format)
}

// buildPlain builds the frame without link CRCs.
func buildPlain(s *Spec) ([]byte, error) {
	mode := s.TPL.Security
	if mode != 0 && mode != 5 && mode != 7 {
		return nil, buildErr("tpl", "security mode "+strconv.Itoa(mode)+" cannot be built (0, 5 or 7)")
	}
	needKey := mode != 0 || s.ELL != nil && s.ELL.Encrypt
	if needKey && len(s.Key) != KeySize {
		return nil, buildErr("key", "encryption needs a 16-byte key, got "+strconv.Itoa(len(s.Key))+" bytes")
	}
	ci := s.TPL.CI
	if ci == 0 {
		ci = 0x78
		if mode != 0 {
			ci = 0x7A
		}
	}
	info, ok := tplCIInfo(ci)
	if !ok {
		return nil, buildErr("tpl", "CI 0x"+hex2(ci)+" is not a transport-layer CI")
	}
	if mode != 0 && info.header == HeaderNone {
		return nil, buildErr("tpl", "security mode "+strconv.Itoa(mode)+" needs a TPL header (CI 0x7A short or 0x72 long), not CI 0x"+hex2(ci))
	}

	f := make([]byte, block1Len, 256)
	f[1] = s.C
	s.Link.put(f[2:])

	// ELL.
	pcOff := -1
	if e := s.ELL; e != nil {
		n := ellLen(e.CI)
		if n == 0 {
			return nil, buildErr("ell", "CI 0x"+hex2(e.CI)+" is not an ELL CI (8C, 8D, 8E, 8F)")
		}
		if e.Encrypt && (e.CI == 0x8C || e.CI == 0x8E) {
			return nil, buildErr("ell", "ELL CI 0x"+hex2(e.CI)+" has no session number: use 8D or 8F to encrypt")
		}
		f = append(f, e.CI, e.CC, e.ACC)
		if e.CI == 0x8E || e.CI == 0x8F {
			f = f[:len(f)+addrLen]
			e.Addr.put(f[len(f)-addrLen:])
		}
		if e.CI == 0x8D || e.CI == 0x8F {
			var enc uint8
			if e.Encrypt {
				enc = 1
			}
			f = binary.LittleEndian.AppendUint32(f, MakeSN(enc, e.Minutes, e.Session))
			pcOff = len(f)
			f = append(f, 0, 0)
		}
	}

	// AFL (mode 7).
	var mclOff, mcrOff, macOff, macN int
	if mode == 7 {
		at := s.TPL.MACType
		if at == 0 {
			at = 5
		}
		if at < 3 || at > 7 {
			return nil, buildErr("afl", "MAC type "+strconv.Itoa(int(at))+" (AES-CMAC types 3-7)")
		}
		macN = macLen(at)
		fcl := uint16(FCLMCLPresent | FCLMCRPresent | FCLMACPresent)
		f = append(f, 0x90, byte(2+1+4+macN))
		f = binary.LittleEndian.AppendUint16(f, fcl)
		mclOff = len(f)
		f = append(f, 0x20|at) // MCL: message counter present, MAC type
		mcrOff = len(f)
		f = binary.LittleEndian.AppendUint32(f, s.TPL.MCR)
		macOff = len(f)
		f = append(f, make([]byte, macN)...)
	}

	// TPL header.
	tplOff := len(f)
	f = append(f, ci)
	if info.header == HeaderLong {
		f = f[:len(f)+addrLen]
		s.TPL.Addr.putLongHeader(f[len(f)-addrLen:])
	}
	cfgOff := -1
	if info.header != HeaderNone {
		f = append(f, s.TPL.ACC, s.TPL.STS)
		cfgOff = len(f)
		f = append(f, 0, 0)
		if mode == 7 {
			f = append(f, 1<<4|s.TPL.KeyID&0x0F) // KDF 1 (AES-CMAC)
		}
	}

	// Application data.
	aplOff := len(f)
	nblocks := 0
	if mode != 0 {
		f = append(f, 0x2F, 0x2F)
		f = append(f, s.Payload...)
		for (len(f)-aplOff)%16 != 0 {
			f = append(f, 0x2F)
		}
		nblocks = (len(f) - aplOff) / 16
		if nblocks > 15 {
			return nil, buildErr("tpl", "payload too long for the CFG block count ("+strconv.Itoa(nblocks)+" blocks, at most 15): move records to the clear part")
		}
	} else {
		f = append(f, s.Payload...)
	}
	f = append(f, s.Clear...)
	if len(f) > maxFrameLen {
		return nil, buildErr("dll", "frame is "+strconv.Itoa(len(f))+" bytes, at most 256 fit the L field")
	}
	if cfgOff >= 0 {
		cfg := s.TPL.Flags&^0x1FF0 | uint16(mode)<<8 | uint16(nblocks)<<4
		binary.LittleEndian.PutUint16(f[cfgOff:], cfg)
	}

	// TPL encryption.
	if mode != 0 {
		blk, _ := aes.NewCipher(s.Key)
		meter := s.Link
		if info.header == HeaderLong {
			meter = s.TPL.Addr
		}
		var sc scratch
		data := f[aplOff : aplOff+16*nblocks]
		switch mode {
		case 5:
			var iv [16]byte
			meter.put(iv[:])
			for i := 8; i < 16; i++ {
				iv[i] = s.TPL.ACC
			}
			sc.encryptCBC(blk, &iv, data)
		case 7:
			c, _ := cmac.New(blk)
			var in, kenc, kmac [16]byte
			kdfInput(&in, 0x00, s.TPL.MCR, meter.ID)
			c.Write(in[:])
			c.SumInto(kenc[:])
			in[0] = 0x01
			c.Reset()
			c.Write(in[:])
			c.SumInto(kmac[:])
			eb, _ := aes.NewCipher(kenc[:])
			sc.encryptCBC(eb, &[16]byte{}, data)
			mb, _ := aes.NewCipher(kmac[:])
			m, _ := cmac.New(mb)
			m.Write(f[mclOff : mclOff+1])
			m.Write(f[mcrOff : mcrOff+4])
			m.Write(f[tplOff:])
			m.SumInto(f[macOff : macOff+macN])
		}
	}

	// ELL PayloadCRC over the (TPL-encrypted) payload, then ELL encryption.
	if pcOff >= 0 {
		binary.LittleEndian.PutUint16(f[pcOff:], crcEN(f[pcOff+2:]))
		if e := s.ELL; e.Encrypt {
			blk, _ := aes.NewCipher(s.Key)
			var ell ELL
			ell.CC = e.CC
			ell.SN = le32(f[pcOff-4:])
			addr := s.Link
			if e.CI == 0x8F && e.CounterAddress == ELLAddressM2A2 {
				addr = e.Addr
			}
			var sc scratch
			var icb [16]byte
			ellICB(&icb, &addr, &ell)
			sc.xorCTR(blk, &icb, f[pcOff:])
		}
	}
	f[0] = byte(len(f) - 1)
	return f, nil
}
